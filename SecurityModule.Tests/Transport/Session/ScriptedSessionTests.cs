using NanoSecurity.Tests.Transport.Mqtt;
using Xunit;

namespace NanoSecurity.Tests.Transport.Session
{
    /// <summary>
    /// The module's own session, with its driving thread, over a peer scripted byte by byte in
    /// virtual time: links that die at the worst moment, and publishes that are never acknowledged.
    /// </summary>
    public sealed class ScriptedSessionTests
    {
        private const string ConnectionString = "HostName=hub.example;DeviceId=dev7;SharedAccessKey=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

        [Fact]
        public void ALinkLostRightAfterTheLastSubAckIsNoticedAndTheSessionReconnects()
        {
            var clock = new FakeMonotonicClock { ElapsedMilliseconds = 1_000 };
            var channel = new ScriptedChannel(clock);
            Func<byte[], byte[]> broker = ScriptedChannel.Broker();
            int subscribes = 0;
            channel.Responder = packet =>
            {
                byte[] reply = broker(packet);
                if (packet[0] >> 4 == (int)MqttPacketType.Subscribe && Interlocked.Increment(ref subscribes) % 2 == 0)
                {
                    // The hub answers the session's last SUBSCRIBE and hangs up at once: the reader
                    // reports the lost link while the session thread is still setting the link up.
                    channel.Enqueue(reply);
                    channel.ClosePeer();
                    return null;
                }

                return reply;
            };

            using var h = new HubModuleHarness(ConnectionString, 8883, channel, clock);
            h.Start();

            // A session that took the dead link for up would sit "connected" until its token
            // expired and never connect again. The window is narrow (after the SubAck is taken,
            // before the link is marked up), so the drop is repeated a hundred times.
            DateTime end = DateTime.UtcNow + Patience;
            while (channel.Connects < 100 && DateTime.UtcNow < end)
            {
                Thread.Sleep(10);
            }

            Assert.True(channel.Connects >= 100, $"the session stopped reconnecting after {channel.Connects} connections: {h.Session.LastError}");
            Assert.True(h.Session.FailedAttempts >= 99, "a dropped link counts as a failed attempt: " + h.Session.FailedAttempts);
        }

        [Fact]
        public void APublishWithoutPubAckIsSentAgainFirstOnTheNextConnectionNeverResentOnTheSameOne()
        {
            var clock = new FakeMonotonicClock { ElapsedMilliseconds = 1_000 };
            var channel = new ScriptedChannel(clock);
            Func<byte[], byte[]> acknowledging = ScriptedChannel.Broker(acknowledgePublishes: true);
            Func<byte[], byte[]> silent = ScriptedChannel.Broker(acknowledgePublishes: false);
            channel.Responder = packet => channel.Connects < 2 ? silent(packet) : acknowledging(packet);

            using var h = new HubModuleHarness(ConnectionString, 8883, channel, clock, TestConfigurations.EveryCollection());
            h.Start();
            Assert.True(h.WaitForState(SecurityModuleState.Active, Patience), "never connected: " + h.Session.LastError);
            h.RecordFlow(5);
            h.Collect();

            // The first connection never acknowledges; the reader's idle reads move virtual time on
            // past the PUBACK deadline, the link is declared lost, and the second connection acknowledges.
            DateTime end = DateTime.UtcNow + Patience;
            while (TelemetryPublishes(channel).Count(p => p.Connection == 2) == 0 && DateTime.UtcNow < end)
            {
                Thread.Sleep(10);
            }

            var publishes = TelemetryPublishes(channel);
            var first = Assert.Single(publishes, p => p.Connection == 1);
            var again = publishes.First(p => p.Connection == 2);
            Assert.Equal(0x32, first.Bytes[0]);
            Assert.Equal(0x32, again.Bytes[0]);
            Assert.Equal(Payload(first.Bytes), Payload(again.Bytes));
            Assert.All(publishes, p => Assert.Equal(0, p.Bytes[0] & MqttPacketWriter.DuplicateFlag));
        }

        /// <summary>The QoS 1 publishes written, each with the number of the connection (CONNECT) it went on.</summary>
        private static List<(int Connection, byte[] Bytes)> TelemetryPublishes(ScriptedChannel channel)
        {
            var result = new List<(int, byte[])>();
            int connection = 0;
            foreach (var (_, bytes) in channel.Written())
            {
                var type = (MqttPacketType)(bytes[0] >> 4);
                if (type == MqttPacketType.Connect)
                {
                    connection++;
                }
                else if (type == MqttPacketType.Publish && (bytes[0] & 0x06) == 0x02)
                {
                    result.Add((connection, bytes));
                }
            }

            return result;
        }

        /// <summary>The payload of a QoS 1 PUBLISH (after the topic and packet identifier).</summary>
        private static byte[] Payload(byte[] publish)
        {
            int index = 1;
            int multiplier = 1, remaining = 0;
            byte b;
            do
            {
                b = publish[index++];
                remaining += (b & 0x7F) * multiplier;
                multiplier *= 128;
            }
            while ((b & 0x80) != 0);

            int topicLength = (publish[index] << 8) | publish[index + 1];
            int payloadStart = index + 2 + topicLength + 2;
            return publish.AsSpan(payloadStart, index + remaining - payloadStart).ToArray();
        }
    }
}
