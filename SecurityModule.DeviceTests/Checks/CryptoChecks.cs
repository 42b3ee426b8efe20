namespace NanoSecurity.DeviceTests
{
    /// <summary>SHA-256 (FIPS 180-2 vectors), HMAC-SHA256 (RFC 4231) and IoT Hub SAS tokens.</summary>
    internal static class CryptoChecks
    {
        internal static void Run(Check check)
        {
            Sha(check, "sha256-empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
            Sha(check, "sha256-abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
            Sha(check, "sha256-448-bits", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

            var sha = new Sha256();
            var chunk = new byte[1000];
            for (int i = 0; i < chunk.Length; i++)
            {
                chunk[i] = (byte)'a';
            }

            for (int i = 0; i < 1000; i++)
            {
                sha.Append(chunk, 0, chunk.Length);
            }

            var digest = new byte[32];
            sha.Finish(digest, 0);
            check.Bytes("sha256-million-a", "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", digest, 0, 32);

            sha.Reset();
            for (int i = 0; i < 4; i++)
            {
                for (int b = 0; b < 256; b++)
                {
                    sha.Append((byte)b);
                }
            }

            sha.Finish(digest, 0);
            check.Bytes("sha256-byte-by-byte", "785b0751fc2c53dc14a4ce3d800e69ef9ce1009eb327ccf458afe09c242c26c9", digest, 0, 32);

            Hmac(check, "hmac-rfc4231-1", Repeat(0x0b, 20), Ascii("Hi There"),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
            Hmac(check, "hmac-rfc4231-2", Ascii("Jefe"), Ascii("what do ya want for nothing?"),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
            Hmac(check, "hmac-rfc4231-6-long-key", Repeat(0xaa, 131), Ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

            byte[] key = SasKey();
            check.Equal("sas-device", "SharedAccessSignature sr=hub.azure-devices.net%2Fdevices%2Fdev-01&sig=4w4XrFi%2FctN0Ed7ncWClPBlTBWb%2BSLtZKbrEfJu9eUI%3D&se=1798761599",
                SasToken.Build("hub.azure-devices.net", "dev-01", null, key, 1798761599));
            check.Equal("sas-module-emoji-device", "SharedAccessSignature sr=hub.azure-devices.net%2Fdevices%2Fd%F0%9F%98%80v%2Fmodules%2Fdefender-iot-micro-agent&sig=WuOAqiItvmq8Si4CcGOS9iIGj91PZCpDRghLdR%2Bc2Wk%3D&se=1798761599",
                SasToken.Build("hub.azure-devices.net", "d\U0001F600v", "defender-iot-micro-agent", key, 1798761599));
        }

        /// <summary>The key 00 01 … 1f (base64 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=).</summary>
        internal static byte[] SasKey()
        {
            var key = new byte[32];
            for (int i = 0; i < key.Length; i++)
            {
                key[i] = (byte)i;
            }

            return key;
        }

        internal static byte[] Ascii(string text)
        {
            char[] chars = text.ToCharArray();
            var bytes = new byte[chars.Length];
            for (int i = 0; i < chars.Length; i++)
            {
                bytes[i] = (byte)chars[i];
            }

            return bytes;
        }

        private static byte[] Repeat(byte value, int count)
        {
            var bytes = new byte[count];
            for (int i = 0; i < count; i++)
            {
                bytes[i] = value;
            }

            return bytes;
        }

        private static void Sha(Check check, string name, string text, string expectedHex)
        {
            byte[] data = Ascii(text);
            var sha = new Sha256();
            sha.Append(data, 0, data.Length);
            var digest = new byte[32];
            sha.Finish(digest, 0);
            check.Bytes(name, expectedHex, digest, 0, 32);
        }

        private static void Hmac(Check check, string name, byte[] key, byte[] data, string expectedHex)
        {
            var mac = new byte[32];
            new HmacSha256(key).Compute(data, 0, data.Length, mac, 0);
            check.Bytes(name, expectedHex, mac, 0, 32);
        }
    }
}
