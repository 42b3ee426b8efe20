namespace NanoSecurity.DeviceTests
{
    /// <summary>
    /// Strings with BMP and non-BMP characters through every writer. nanoCLR stores strings as
    /// UTF-8 and its indexer returns the high surrogate at a low surrogate's index, so each of
    /// these failed there while the writers read strings with <c>s[i]</c>.
    /// </summary>
    internal static class StringChecks
    {
        private const string Emoji = "\U0001F600";

        internal static void Run(Check check)
        {
            check.Equal("tochararray-pair", "\\ud83d\\ude00", Check.Printable(Emoji));
            check.Equal("length-counts-utf16", 2, Emoji.Length);
            check.Equal("pair-at", 0x1F600, Utf16.PairAt(Emoji, 0));
            check.Equal("pair-at-after-bmp", 0x1F600, Utf16.PairAt("\u00e9" + Emoji, 1));

            Json(check, "json-escapes-and-utf8", "a\"b\\c\n\u0001\u00e9\u20ac" + Emoji,
                "22615c22625c5c635c6e5c7530303031c3a9e282acf09f988022");
            Json(check, "json-two-emoji", Emoji + Emoji, "22f09f9880f09f988022");
            Json(check, "json-last-code-point", "\U0010FFFF", "22f48fbfbf22");
            Json(check, "json-emoji-in-ascii", "x" + Emoji + "y", "2278f09f98807922");

            string topic = "t/" + Emoji;
            check.Equal("mqtt-byte-count", 6, MqttUtf8.GetByteCount(topic));
            var buffer = new byte[16];
            int end = MqttUtf8.Write(topic, buffer, 0);
            check.Bytes("mqtt-write", "742ff09f9880", buffer, 0, end);
            var chars = new char[8];
            int decoded = MqttUtf8.Decode(buffer, 0, end, chars);
            check.Equal("mqtt-decode", "t/\\ud83d\\ude00", Check.Printable(new string(chars, 0, decoded)));

            check.Equal("url-emoji", "dev%20%F0%9F%98%80%2Fx", UrlEncoding.Encode("dev " + Emoji + "/x"));
            check.Equal("url-unreserved", "a-b_c.d~e", UrlEncoding.Encode("a-b_c.d~e"));
            check.Equal("url-two-byte", "caf%C3%A9", UrlEncoding.Encode("caf\u00e9"));
        }

        private static void Json(Check check, string name, string value, string expectedHex)
        {
            var json = new JsonWriter(64);
            json.WriteString(value);
            check.Bytes(name, expectedHex, json.Buffer, 0, json.Length);
        }
    }
}
