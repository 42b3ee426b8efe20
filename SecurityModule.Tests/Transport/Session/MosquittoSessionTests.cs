using System.Text.Json;
using NanoSecurity.Host;
using NanoSecurity.Testing;
using NanoSecurity.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace NanoSecurity.Tests.Transport.Session
{
    /// <summary>The module's own session against a real mosquitto over TLS, with broker restarts.</summary>
    public sealed class MosquittoSessionTests : IDisposable
    {
        private readonly ITestOutputHelper _output;
        private const string Device = "dev9";
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
        private static readonly string Key = Convert.ToBase64String(new byte[32]);
        private readonly TestCertificates _certificates;
        private readonly MosquittoBroker _broker;

        public MosquittoSessionTests(ITestOutputHelper output)
        {
            _output = output;
            _certificates = TestCertificates.Create();
            _broker = MosquittoBroker.StartNew(new MosquittoBrokerOptions { UseTls = true, Certificates = _certificates });
        }

        public void Dispose()
        {
            _broker.Dispose();
            _certificates.Dispose();
        }

        private HubModuleHarness NewModule(string caFile = null, MosquittoBroker broker = null, IRandomSource random = null, ISecurityMessageObserver observer = null) => new HubModuleHarness(
            $"HostName=localhost;DeviceId={Device};SharedAccessKey={Key}",
            (broker ?? _broker).Port,
            new TlsChannelOptions { CaCertificateFile = caFile ?? _certificates.CaCertificateFile },
            random: random,
            observer: observer);

        private static IEnumerable<string> EventIds(IEnumerable<byte[]> payloads) =>
            payloads.SelectMany(p => JsonDocument.Parse(p).RootElement.GetProperty("Events").EnumerateArray())
                .Select(e => e.GetProperty("Id").GetString());

        private Task<MqttTestSubscriber> Subscribe(string clientId = null)
        {
            MqttTestSubscriberOptions options = MqttTestSubscriberOptions.For(_broker, $"devices/{Device}/messages/events/#");
            if (clientId != null)
            {
                options.ClientId = clientId;
                options.CleanSession = false;
            }

            return MqttTestSubscriber.ConnectAsync(options);
        }

        private static IEnumerable<JsonElement> EventsOf(IEnumerable<ReceivedMessage> messages, string name) =>
            messages.Select(m => m.Payload).Distinct(ByteArrayComparer.Instance)
                .SelectMany(p => JsonDocument.Parse(p).RootElement.GetProperty("Events").EnumerateArray())
                .Where(e => e.GetProperty("Name").GetString() == name);

        private static HashSet<string> FlowKeys(IEnumerable<ReceivedMessage> messages) =>
            EventsOf(messages, "ConnectionCreate")
                .SelectMany(e => e.GetProperty("Payload").EnumerateArray())
                .Select(f => f.GetProperty("RemoteAddress").GetString() + "/" + f.GetProperty("RemotePort").GetString())
                .ToHashSet();

        [MosquittoFact]
        public async Task MessagesReachASubscriberOverTlsWithTheSecurityProperties()
        {
            await using MqttTestSubscriber subscriber = await Subscribe();
            using var h = NewModule();
            h.Start();
            Assert.True(h.WaitForState(SecurityModuleState.Active, Patience), "never connected: " + h.Session.LastError);
            h.RecordFlow(7, 700);
            h.Collect();

            var received = await subscriber.WaitForMessagesAsync(1, Patience);
            ReceivedMessage message = received[0];
            Assert.Equal($"devices/{Device}/messages/events/" + SecurityMessageProperties.MqttPropertyBag, message.Topic);
            Assert.Equal(1, message.QualityOfService);
            SecurityMessageSchema.AssertValid(message.Payload, message.Payload.Length);
            Assert.Contains("10.0.0.1/8", FlowKeys(received));
        }

        [MosquittoFact]
        public void AWrongCaFailsTheTlsHandshakeWithAClearError()
        {
            using var h = NewModule(_certificates.WriteUnrelatedCaFile());
            h.Start();
            DateTime end = DateTime.UtcNow + Patience;
            while (h.Session.LastError == null && DateTime.UtcNow < end)
            {
                Thread.Sleep(20);
            }

            Assert.NotNull(h.Session.LastError);
            Assert.Contains("TLS handshake", h.Session.LastError);
            Assert.Contains("does not chain to the CA", h.Session.LastError);
            Assert.NotEqual(SecurityModuleState.Active, h.Module.State);
        }

        [MosquittoFact]
        public async Task EveryMessageSurvivesBrokerRestarts()
        {
            await using MqttTestSubscriber subscriber = await Subscribe("restart-subscriber");
            using var h = NewModule();
            h.Start();
            Assert.True(h.WaitForState(SecurityModuleState.Active, Patience), "never connected: " + h.Session.LastError);

            var expected = new HashSet<string>();
            for (int i = 0; i < 6; i++)
            {
                h.RecordFlow(i);
                expected.Add("10.0.0.1/" + (1 + i));
                if (i % 2 == 0)
                {
                    // Collected while the broker is down: the message waits in the offline cache.
                    _broker.Stop();
                    h.Collect();
                    _broker.Start();
                }
                else
                {
                    // Collected while up, then the broker goes away under the publish.
                    h.Collect();
                    _broker.Restart();
                }
            }

            h.RecordFlow(100);
            expected.Add("10.0.0.1/101");
            Assert.True(h.WaitForState(SecurityModuleState.Active, Patience), "never reconnected: " + h.Session.LastError);
            h.Collect();

            await subscriber.WaitForMessagesAsync(list => expected.IsSubsetOf(FlowKeys(list)), Patience, "every flow of every collection");
            Assert.Empty(EventsOf(subscriber.Messages, "DroppedEventsStatistics"));
        }

        [MosquittoFact]
        public async Task CrossingTheCacheBudgetReportsExactlyWhatWasDropped()
        {
            await using MqttTestSubscriber subscriber = await Subscribe("budget-subscriber");
            _broker.Stop();
            using var h = NewModule();
            h.Start();

            // 64 IPv4 and 64 IPv6 flows make far more than ASC_LOCAL_CACHE_SIZE bytes of messages.
            var remote6 = new byte[16];
            var local6 = new byte[16];
            local6[15] = 1;
            remote6[0] = 0x20;
            remote6[1] = 0x01;
            for (int i = 0; i < h.Module.Ipv4Connections.Capacity; i++)
            {
                Assert.True(h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, 0x7F000001, 40000, 0x0A000001, (ushort)(1 + i), 100));
            }

            for (int i = 0; i < h.Module.Ipv6Connections.Capacity; i++)
            {
                remote6[15] = (byte)i;
                Assert.True(h.Module.Ipv6Connections.Record(FlowDirection.Out, TransportProtocol.Udp, local6, 0, 5683, remote6, 0, 5683, 100));
            }

            int produced = h.Module.Ipv4Connections.Capacity + h.Module.Ipv6Connections.Capacity;
            h.Collect();
            _broker.Start();
            Assert.True(h.WaitForState(SecurityModuleState.Active, Patience), "never connected: " + h.Session.LastError);

            // Drops made by the collection's last message are reported with the next collection,
            // so run one more, marked by a flow of its own, and wait for it: the cache sends oldest first.
            await subscriber.WaitForMessagesAsync(
                list => EventsOf(list, "DroppedEventsStatistics").Any(), Patience, "a DroppedEventsStatistics event");
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, 0x7F000001, 40000, 0x0B000001, 1, 100);
            h.Collect();
            var received = await subscriber.WaitForMessagesAsync(
                list => FlowKeys(list).Contains("11.0.0.1/1"), Patience, "the marker collection");

            int delivered = FlowKeys(received).Count(k => !k.StartsWith("11.", StringComparison.Ordinal));
            int reported = EventsOf(received, "DroppedEventsStatistics")
                .SelectMany(e => e.GetProperty("Payload").EnumerateArray())
                .Where(q => q.GetProperty("Queue").GetString() == "High")
                .Sum(q => q.GetProperty("DroppedEvents").GetInt32());
            Assert.True(delivered < produced, "the cache budget was not crossed");
            Assert.Equal(produced - delivered, reported);
        }

        [Fact]
        public void ABrokerThatRefusesEveryoneIsRetriedOnTheBackoffScheduleWhileTheModuleRuns()
        {
            using var refusing = MosquittoBroker.StartNew(new MosquittoBrokerOptions { UseTls = true, Certificates = _certificates, RefuseEveryone = true });
            var random = new BackoffRecordingRandom(divisor: 50);
            using var h = NewModule(broker: refusing, random: random);
            h.Start();

            // The module's driving thread ticks and wakes the session all the while.
            h.TickUntil(() => random.Ceilings.Length >= 7, Patience);
            Assert.True(random.Ceilings.Length >= 7, "backoff draws: " + string.Join(",", random.Ceilings) + "; " + h.Session.LastError);
            h.Module.Stop(0);

            int[] ceilings = random.Ceilings;
            int attempts = refusing.Log.Split('\n').Count(line => line.Contains("not authorised", StringComparison.Ordinal));
            Assert.Equal(new[] { 1000, 2000, 4000, 8000, 16000, 32000, 60000 }, ceilings.Take(7));
            Assert.InRange(attempts, ceilings.Length - 1, ceilings.Length + 1);
            Assert.Contains("not authorized", h.Session.LastError, StringComparison.OrdinalIgnoreCase);
            Assert.NotEqual(SecurityModuleState.Active, h.Module.State);
        }

        [Fact]
        public async Task EveryEventSurvivesTenBrokerKills()
        {
            await using MqttTestSubscriber subscriber = await Subscribe("kill-subscriber");
            var written = new RecordingObserver();
            using var h = NewModule(observer: written);
            h.Start();
            Assert.True(h.WaitForState(SecurityModuleState.Active, Patience), "never connected: " + h.Session.LastError);

            // mosquitto acknowledges a message before it saves it, so a kill in between loses it on
            // the broker's side, whatever the device does. Each kill therefore comes once the broker
            // has passed on everything written so far; what the kills test is the device's side:
            // messages collected while the broker is dead wait in the offline cache and arrive, and
            // the session comes back after every kill.
            for (int i = 0; i < 10; i++)
            {
                h.RecordFlow(i);
                HashSet<string> soFar = EventIds(written.Messages).ToHashSet();
                await subscriber.WaitForMessagesAsync(
                    list => soFar.IsSubsetOf(EventIds(list.Select(m => m.Payload))), Patience, "everything written before kill " + (i + 1));
                _broker.Kill();
                if (i % 2 == 0)
                {
                    // Collected with the broker dead: the message waits in the offline cache.
                    h.Collect();
                }

                _broker.Start();
                if (i % 2 == 1)
                {
                    // Collected as soon as the broker is back, maybe before the session is.
                    h.Collect();
                }
            }

            Assert.True(h.WaitForState(SecurityModuleState.Active, Patience), "never reconnected: " + h.Session.LastError);
            h.RecordFlow(100);
            h.Collect();
            h.Module.Stop();

            HashSet<string> writtenIds = EventIds(written.Messages).ToHashSet();
            var received = await subscriber.WaitForMessagesAsync(
                list => writtenIds.IsSubsetOf(EventIds(list.Select(m => m.Payload))), Patience, "every event the module wrote");
            List<string> receivedIds = EventIds(received.Select(m => m.Payload)).ToList();
            int duplicates = receivedIds.Count - receivedIds.Distinct().Count();
            _output.WriteLine($"{writtenIds.Count} events written, {receivedIds.Distinct().Count()} received, {duplicates} received more than once");
            Assert.Subset(receivedIds.ToHashSet(), writtenIds);
            Assert.Empty(EventsOf(received, "DroppedEventsStatistics"));
        }

        private sealed class RecordingObserver : ISecurityMessageObserver
        {
            private readonly List<byte[]> _messages = new List<byte[]>();

            public List<byte[]> Messages
            {
                get
                {
                    lock (_messages)
                    {
                        return _messages.ToList();
                    }
                }
            }

            public void OnMessage(byte[] body, int length)
            {
                lock (_messages)
                {
                    _messages.Add(body.AsSpan(0, length).ToArray());
                }
            }
        }

        private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
        {
            public static readonly ByteArrayComparer Instance = new ByteArrayComparer();

            public bool Equals(byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y);

            public int GetHashCode(byte[] obj) => obj.Length;
        }
    }
}
