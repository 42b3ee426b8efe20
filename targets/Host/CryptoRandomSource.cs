using System;
using System.Security.Cryptography;

namespace NanoSecurity.Host
{
    /// <summary>
    /// <see cref="IRandomSource"/> on the operating system's cryptographic generator, the PC's
    /// counterpart of a device's hardware RNG: event ids differ across runs and cannot be predicted.
    /// Thread-safe.
    /// </summary>
    public sealed class CryptoRandomSource : IRandomSource
    {
        /// <inheritdoc />
        public void NextBytes(byte[] buffer)
        {
            if (buffer == null)
            {
                throw new ArgumentNullException(nameof(buffer));
            }

            RandomNumberGenerator.Fill(buffer);
        }

        /// <inheritdoc />
        public int Next(int maxExclusive)
        {
            if (maxExclusive <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "Must be greater than 0.");
            }

            // GetInt32 rejects values past the range instead of taking a modulo, so it has no bias.
            return RandomNumberGenerator.GetInt32(maxExclusive);
        }
    }
}
