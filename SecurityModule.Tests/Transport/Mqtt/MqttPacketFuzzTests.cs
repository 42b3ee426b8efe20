using System.Diagnostics;
using System.Text;
using Xunit;
using Xunit.Abstractions;
using static NanoSecurity.Tests.Transport.Mqtt.Bytes;

namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>
    /// Random and mutated packets through the decoder: nothing but MqttProtocolException
    /// comes out, every call returns, an accepted packet is consistent, and decoding allocates
    /// nothing except the exceptions.
    /// </summary>
    public class MqttPacketFuzzTests
    {
        private const int Iterations = 150_000;
        private const int Seed = 311;

        // What one rejection may allocate: the exception, its message and the stack trace .NET
        // captures when it is thrown. Accepted packets must allocate nothing at all.
        private const long MaxBytesPerRejection = 1024;

        private static readonly int[] MaxPacketSizes = { 5, 16, 64, 300 };

        private static readonly byte[][] Seeds =
        {
            Hex("20020000"), Hex("20020100"), Hex("20020005"),
            Hex("3007 0003612F62 6869"), Hex("3209 0003612F62 000A 6869"), Hex("3B09 0003612F62 BEEF 6869"),
            Concat(Hex("301E 0014"), Encoding.UTF8.GetBytes("devices/é/😀/€x"), Hex("0102030405060708")),
            Concat(Hex("32CB01 0001 74 0001"), new byte[198]),
            Hex("40021234"), Hex("9003000101"), Hex("900500010180 02"), Hex("D000"),
            Hex("100D00044D5154540402003C000161"), Hex("8208 0001 0003612F23 01"), Hex("C000"), Hex("E000"),
            Hex("50020001"), Hex("62020001"), Hex("70020001"), Hex("B0020001"),
        };

        private readonly ITestOutputHelper _output;

        public MqttPacketFuzzTests(ITestOutputHelper output)
        {
            _output = output;
        }

        [Fact]
        public void DecoderSurvivesRandomAndMutatedPackets()
        {
            var random = new Random(Seed);
            var buffer = new byte[512];
            var packet = new MqttPacket();
            int accepted = 0;
            int rejected = 0;
            long acceptedBytes = 0;
            long rejectedBytes = 0;
            var unexpected = new List<string>();
            var inconsistent = new List<string>();
            var acceptedTypes = new HashSet<MqttPacketType>();
            var stopwatch = Stopwatch.StartNew();

            for (int i = 0; i < Iterations; i++)
            {
                int offset = random.Next(4);
                int count = Generate(random, buffer, offset);
                int maxPacketSize = MaxPacketSizes[random.Next(MaxPacketSizes.Length)];

                long before = GC.GetAllocatedBytesForCurrentThread();
                bool ok;
                try
                {
                    MqttPacketReader.Decode(buffer, offset, count, maxPacketSize, packet);
                    ok = true;
                }
                catch (MqttProtocolException)
                {
                    ok = false;
                }
                catch (Exception e)
                {
                    ok = false;
                    if (unexpected.Count < 10)
                    {
                        unexpected.Add(e.GetType().Name + " " + e.Message + " on " + ToHex(buffer, offset, count));
                    }
                }

                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (ok)
                {
                    accepted++;
                    acceptedBytes += allocated;
                    acceptedTypes.Add(packet.Type);
                    string fault = CheckConsistent(buffer, offset, count, maxPacketSize, packet);
                    if (fault != null && inconsistent.Count < 10)
                    {
                        inconsistent.Add(fault + " on " + ToHex(buffer, offset, count));
                    }
                }
                else
                {
                    rejected++;
                    rejectedBytes += allocated;
                }
            }

            _output.WriteLine(
                $"{Iterations} inputs in {stopwatch.ElapsedMilliseconds} ms: {accepted} accepted ({acceptedBytes} bytes allocated), " +
                $"{rejected} rejected ({rejectedBytes} bytes, {(rejected == 0 ? 0 : rejectedBytes / rejected)} per rejection); " +
                $"accepted types {string.Join(",", acceptedTypes)}");
            Assert.Empty(unexpected);
            Assert.Empty(inconsistent);
            Assert.Equal(0, acceptedBytes);
            Assert.True(rejectedBytes <= rejected * MaxBytesPerRejection, $"{rejectedBytes} bytes for {rejected} rejections");

            // The mutations reach both sides and every type a server may send.
            Assert.True(accepted > Iterations / 20, accepted + " accepted");
            Assert.True(rejected > Iterations / 2, rejected + " rejected");
            Assert.Equal(5, acceptedTypes.Count);
        }

        [Fact]
        public void StreamingLengthAgreesWithDecodeOnEveryPrefix()
        {
            // The client learns a packet's size from a prefix; it must never throw on the
            // prefix of a packet that decodes, nor announce another size.
            var random = new Random(Seed + 1);
            var buffer = new byte[512];
            var packet = new MqttPacket();
            int checkedPackets = 0;
            for (int i = 0; i < 20_000; i++)
            {
                int count = Generate(random, buffer, 0);
                try
                {
                    MqttPacketReader.Decode(buffer, 0, count, 300, packet);
                }
                catch (MqttProtocolException)
                {
                    continue;
                }

                checkedPackets++;
                for (int prefix = 0; prefix < packet.Length; prefix++)
                {
                    int length = MqttPacketReader.GetPacketLength(buffer, 0, prefix, 300);
                    Assert.True(length == 0 || length == packet.Length, $"prefix {prefix} of {ToHex(buffer, 0, count)} says {length}");
                }
            }

            Assert.True(checkedPackets > 1000, checkedPackets + " packets checked");
        }

        /// <summary>Writes one fuzz input at <paramref name="offset"/>; returns its length.</summary>
        private static int Generate(Random random, byte[] buffer, int offset)
        {
            int kind = random.Next(10);
            if (kind == 0)
            {
                int length = random.Next(41);
                random.NextBytes(buffer.AsSpan(offset, length));
                return length;
            }

            byte[] seed = Seeds[random.Next(Seeds.Length)];
            seed.CopyTo(buffer, offset);
            int count = seed.Length;
            int mutations = kind == 9 ? 2 + random.Next(3) : 1;
            for (int m = 0; m < mutations; m++)
            {
                count = Mutate(random, buffer, offset, count, kind == 9 ? 1 + random.Next(8) : kind);
            }

            return count;
        }

        private static int Mutate(Random random, byte[] buffer, int offset, int count, int kind)
        {
            int room = buffer.Length - offset;
            switch (kind)
            {
                case 1:
                    // Flip one to four bits.
                    for (int f = random.Next(1, 5); f > 0 && count > 0; f--)
                    {
                        buffer[offset + random.Next(count)] ^= (byte)(1 << random.Next(8));
                    }

                    return count;
                case 2:
                    // Truncate.
                    return count == 0 ? 0 : random.Next(count);
                case 3:
                    // Extend with random bytes.
                    int extra = Math.Min(random.Next(1, 21), room - count);
                    random.NextBytes(buffer.AsSpan(offset + count, extra));
                    return count + extra;
                case 4:
                    return ReplaceRemainingLength(random, buffer, offset, count);
                case 5:
                    // Another first byte: every type with every flag combination.
                    if (count > 0)
                    {
                        buffer[offset] = (byte)random.Next(256);
                    }

                    return count;
                case 6:
                    // Insert a byte.
                    if (count < room)
                    {
                        int at = random.Next(count + 1);
                        Array.Copy(buffer, offset + at, buffer, offset + at + 1, count - at);
                        buffer[offset + at] = (byte)random.Next(256);
                        count++;
                    }

                    return count;
                case 7:
                    // Delete a byte.
                    if (count > 0)
                    {
                        int at = random.Next(count);
                        Array.Copy(buffer, offset + at + 1, buffer, offset + at, count - at - 1);
                        count--;
                    }

                    return count;
                default:
                    // Overwrite one byte with a boundary value.
                    if (count > 0)
                    {
                        byte[] edges = { 0x00, 0x01, 0x7F, 0x80, 0xFF, 0x23, 0x2B, 0xC0, 0xED, 0xF4 };
                        buffer[offset + random.Next(count)] = edges[random.Next(edges.Length)];
                    }

                    return count;
            }
        }

        // Replaces the remaining length with 1 to 5 random varint bytes, keeping the body.
        private static int ReplaceRemainingLength(Random random, byte[] buffer, int offset, int count)
        {
            if (count < 2)
            {
                return count;
            }

            int old = 1;
            while (old < count && old < 5 && (buffer[offset + old] & 0x80) != 0)
            {
                old++;
            }

            old = Math.Min(old, count - 1);
            int size = random.Next(1, 6);
            var lengthBytes = new byte[5];
            if (random.Next(2) == 0)
            {
                // A plausible length: near the body that is actually there.
                int value = Math.Max(0, count - 1 - old + random.Next(-3, 4));
                size = MqttPacketWriter.WriteRemainingLength(Math.Min(value, MqttPacketReader.MaxRemainingLength), lengthBytes, 0);
            }
            else
            {
                random.NextBytes(lengthBytes.AsSpan(0, size));
                for (int i = 0; i < size - 1; i++)
                {
                    lengthBytes[i] |= 0x80;
                }
            }

            int body = count - 1 - old;
            if (1 + size + body > buffer.Length - offset)
            {
                return count;
            }

            Array.Copy(buffer, offset + 1 + old, buffer, offset + 1 + size, body);
            Array.Copy(lengthBytes, 0, buffer, offset + 1, size);
            return 1 + size + body;
        }

        private static string CheckConsistent(byte[] buffer, int offset, int count, int maxPacketSize, MqttPacket packet)
        {
            if (packet.Length < 2 || packet.Length > count || packet.Length > maxPacketSize)
            {
                return "length " + packet.Length;
            }

            int end = offset + packet.Length;
            switch (packet.Type)
            {
                case MqttPacketType.Publish:
                    if (packet.TopicLength < 1 || packet.TopicOffset < offset + 4 || packet.TopicOffset + packet.TopicLength > packet.PayloadOffset
                        || packet.PayloadOffset + packet.PayloadCount != end || packet.Qos > 1 || (packet.Qos == 1) != (packet.PacketId != 0))
                    {
                        return "publish fields";
                    }

                    return null;
                case MqttPacketType.ConnAck:
                    return packet.ReturnCode <= 5 ? null : "connack fields";
                case MqttPacketType.PubAck:
                    return packet.PacketId != 0 ? null : "puback fields";
                case MqttPacketType.SubAck:
                    return packet.ReturnCodeCount >= 1 && packet.PacketId != 0 ? null : "suback fields";
                case MqttPacketType.PingResp:
                    return null;
                default:
                    return "accepted type " + packet.Type;
            }
        }
    }
}
