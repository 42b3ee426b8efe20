using Xunit;
using Xunit.Abstractions;
using static NanoSecurity.Tests.Transport.Mqtt.Bytes;

namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>
    /// The reader thread allocates nothing per received byte: the scripted channel reads the
    /// reader thread's allocation counter at every Read, and the difference across thousands of
    /// packets (split across reads) is what the client allocated.
    /// </summary>
    public class MqttClientAllocationTests
    {
        private const int ChunkSize = 7;

        // Reads skipped before measuring: the thread's start and first calls may allocate once.
        private const int WarmUpReads = 200;

        private readonly ITestOutputHelper _output;

        public MqttClientAllocationTests(ITestOutputHelper output)
        {
            _output = output;
        }

        [Fact]
        public void ReceivingPingRespAndPubAckAllocatesNothing()
        {
            var stream = new List<byte>();
            for (int i = 0; i < 10_000; i++)
            {
                // PUBACKs for identifiers not in flight: decoded, matched and ignored.
                stream.AddRange(Hex("D000"));
                stream.AddRange(new byte[] { 0x40, 0x02, (byte)(1 + (i >> 8)), (byte)i });
            }

            // The reader thread meets the test thread on locks; the runtime may allocate once on its
            // own when they collide (24 B seen once in a loaded CI run). A run that reads 0 proves the
            // path allocation-free, so up to three runs are made; a real allocation never reads 0.
            var handler = new CountingHandler();
            long allocated = long.MaxValue;
            int reads = 0;
            for (int attempt = 0; attempt < 3 && allocated != 0; attempt++)
            {
                handler = new CountingHandler();
                allocated = MeasureReader(stream.ToArray(), handler, out reads);
            }

            _output.WriteLine($"{stream.Count} bytes, 20000 packets over {reads} reads: {allocated} bytes allocated");
            Assert.Equal(0, allocated);
            Assert.Equal(0, handler.Lost);
        }

        [Fact]
        public void AReceivedPublishAllocatesOnlyItsTopicString()
        {
            const int Messages = 5_000;
            var stream = new List<byte>();
            var packet = new byte[128];
            var payload = new byte[40];
            for (int i = 0; i < Messages; i++)
            {
                // Every other message QoS 1: the reader also writes the PUBACK.
                int qos = i & 1;
                int length = MqttPacketWriter.WritePublish(packet, "devices/d1/messages/devicebound/x", payload, 0, payload.Length, qos, (ushort)(i + 1), false);
                stream.AddRange(packet.Take(length));
            }

            // A 33-char string on 64-bit .NET: 22 bytes of header, length and terminator, 2 per
            // char, rounded up to 8. The messages in the warm-up reads are not counted.
            long perTopic = (22 + (2 * 33) + 7) / 8 * 8;
            long most = (Messages * perTopic) + 1024;

            // Best of three runs: on a loaded machine the runtime now and then allocates a few
            // kilobytes of its own on the reader thread (4.8 KB once), which says nothing of the client.
            CountingHandler handler = null;
            long allocated = long.MaxValue;
            int reads = 0;
            for (int run = 0; run < 3 && allocated > most; run++)
            {
                handler = new CountingHandler();
                allocated = Math.Min(allocated, MeasureReader(stream.ToArray(), handler, out reads));
            }

            _output.WriteLine($"{stream.Count} bytes, {Messages} messages over {reads} reads: {allocated} bytes allocated ({perTopic} per topic string)");
            Assert.Equal(Messages * payload.Length, handler.PayloadBytes);
            // The topic strings, and at most a runtime one-off on the reader thread (24 B seen once in
            // a loaded CI run); an allocation per packet or per byte would be thousands of times that.
            Assert.InRange(allocated, (Messages - 100) * perTopic, most);
        }

        /// <summary>Connects, lets the reader read <paramref name="stream"/> in small chunks; returns what it allocated meanwhile.</summary>
        private static long MeasureReader(byte[] stream, IMqttClientHandler handler, out int reads)
        {
            var clock = new FakeMonotonicClock();
            // Queued up front, no responder: the channel's Write allocates nothing either.
            var channel = new ScriptedChannel(clock) { ChunkSize = ChunkSize };
            channel.Enqueue(Concat(Hex("20020000"), stream));
            var client = new MqttClient(channel, handler, clock, 256);
            try
            {
                client.Connect("h", 1883, "c", null, null, 0, 5000);

                SpinWait.SpinUntil(() => channel.Pending == 0, TimeSpan.FromSeconds(20));
                Assert.Equal(0, channel.Pending);

                // The Read after the last data starts once that data has been handled.
                int last = channel.ReadCount;
                SpinWait.SpinUntil(() => channel.ReadCount > last, TimeSpan.FromSeconds(5));
                Assert.True(last > WarmUpReads + 100, last + " reads");
                reads = last - WarmUpReads;
                return channel.AllocatedAtRead(last) - channel.AllocatedAtRead(WarmUpReads);
            }
            finally
            {
                client.Disconnect();
            }
        }
    }
}
