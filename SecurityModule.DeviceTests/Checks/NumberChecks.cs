using System;

namespace NanoSecurity.DeviceTests
{
    /// <summary>long/ulong arithmetic and decimal formatting at the edges, by nanoCLR's own library code.</summary>
    internal static class NumberChecks
    {
        internal static void Run(Check check)
        {
            var json = new JsonWriter(64);
            Written(check, json, "int64-min", "-9223372036854775808", long.MinValue);
            Written(check, json, "int64-max", "9223372036854775807", long.MaxValue);
            Written(check, json, "int64-zero", "0", 0);
            Written(check, json, "int64-minus-one", "-1", -1);

            json.Clear();
            json.WriteUInt64(ulong.MaxValue);
            check.Ascii("uint64-max", "18446744073709551615", json.Buffer, 0, json.Length);
            json.Clear();
            json.WriteQuotedUInt64(10000000000000000000UL);
            check.Ascii("uint64-quoted", "\"10000000000000000000\"", json.Buffer, 0, json.Length);

            ulong product = (ulong)uint.MaxValue * uint.MaxValue;
            check.Equal("uint64-product", "18446744065119617025", product.ToString());
            ulong wrapped = unchecked(ulong.MaxValue + 2UL);
            check.Equal("uint64-wraps", "1", wrapped.ToString());
            check.Equal("uint64-shift", "9223372036854775808", (1UL << 63).ToString());
            check.Equal("int64-division-truncates", "-3", (-7L / 2).ToString());
            check.Equal("int64-remainder-sign", "-1", (-7L % 2).ToString());
            check.Equal("int64-min-tostring", "-9223372036854775808", long.MinValue.ToString());
            check.Equal("uint32-to-int64", "4294967295", ((long)uint.MaxValue).ToString());
            check.Equal("int32-min-negated-in-int64", "2147483648", (-(long)int.MinValue).ToString());
            check.Equal("base64", "AAEC/f7/", Convert.ToBase64String(new byte[] { 0, 1, 2, 253, 254, 255 }));
            check.Equal("base64-padding", "YQ==", Convert.ToBase64String(new byte[] { 97 }));
            byte[] decoded = Convert.FromBase64String("AAEC/f7/");
            check.Bytes("base64-decode", "000102fdfeff", decoded, 0, decoded.Length);
        }

        private static void Written(Check check, JsonWriter json, string name, string expected, long value)
        {
            json.Clear();
            json.WriteInt64(value);
            check.Ascii(name, expected, json.Buffer, 0, json.Length);
        }
    }
}
