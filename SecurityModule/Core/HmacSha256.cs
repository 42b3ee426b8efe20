using System;

namespace NanoSecurity
{
    /// <summary>
    /// HMAC-SHA256 (RFC 2104, test vectors of RFC 4231) over the module's own <see cref="Sha256"/>,
    /// for the IoT Hub SAS signature. nanoFramework's mscorlib has no HMAC; the native one lives in
    /// an optional package that not every firmware includes.
    /// </summary>
    /// <remarks>
    /// The key is folded into the two padded blocks once, at construction, and not kept otherwise.
    /// <see cref="Compute"/> reuses the hash and the pads and allocates nothing. One instance is
    /// not safe for concurrent calls.
    /// </remarks>
    internal sealed class HmacSha256
    {
        internal const int HashSize = Sha256.HashSize;

        private const byte InnerPadByte = 0x36;
        private const byte OuterPadByte = 0x5c;

        private readonly Sha256 _sha = new Sha256();
        private readonly byte[] _innerPad = new byte[Sha256.BlockSize];
        private readonly byte[] _outerPad = new byte[Sha256.BlockSize];
        private readonly byte[] _innerHash = new byte[Sha256.HashSize];

        /// <summary>Prepares the pads for one key.</summary>
        /// <param name="key">The key, any length; longer than a block (64 bytes) it is hashed first, as RFC 2104 says.</param>
        internal HmacSha256(byte[] key)
        {
            if (key == null)
            {
                throw new ArgumentNullException();
            }

            // K0: the key as is, or its hash when longer than a block, zero-padded to a block.
            // _innerPad holds K0 for the moment; the pads are derived from it below.
            if (key.Length > Sha256.BlockSize)
            {
                _sha.Append(key, 0, key.Length);
                _sha.Finish(_innerPad, 0);
            }
            else
            {
                Array.Copy(key, _innerPad, key.Length);
            }

            for (int i = 0; i < Sha256.BlockSize; i++)
            {
                byte k = _innerPad[i];
                _innerPad[i] = (byte)(k ^ InnerPadByte);
                _outerPad[i] = (byte)(k ^ OuterPadByte);
            }
        }

        /// <summary>Writes HMAC(key, data) into <paramref name="output"/>: <see cref="HashSize"/> bytes.</summary>
        /// <param name="data">Buffer holding the message.</param>
        /// <param name="offset">Where the message starts in <paramref name="data"/>.</param>
        /// <param name="count">Bytes of the message.</param>
        /// <param name="output">Receives the 32-byte MAC.</param>
        /// <param name="outputOffset">Where the MAC goes in <paramref name="output"/>.</param>
        internal void Compute(byte[] data, int offset, int count, byte[] output, int outputOffset)
        {
            // Checked before hashing starts: a throw halfway would leave the shared hash dirty.
            if (data == null || output == null)
            {
                throw new ArgumentNullException();
            }

            if (offset < 0 || count < 0 || offset > data.Length - count
                || outputOffset < 0 || outputOffset > output.Length - HashSize)
            {
                throw new ArgumentOutOfRangeException();
            }

            // H((K0 ^ opad) || H((K0 ^ ipad) || data)); Finish resets the hash for the next use.
            _sha.Append(_innerPad, 0, Sha256.BlockSize);
            _sha.Append(data, offset, count);
            _sha.Finish(_innerHash, 0);
            _sha.Append(_outerPad, 0, Sha256.BlockSize);
            _sha.Append(_innerHash, 0, Sha256.HashSize);
            _sha.Finish(output, outputOffset);
        }
    }
}
