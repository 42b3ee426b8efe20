using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace NanoSecurity.Tests
{
    public class SecurityMessageTests
    {
        private static JsonElement[] EventsNamed(CapturingSink sink, string name) =>
            sink.Events.Where(e => e.GetProperty("Name").GetString() == name).ToArray();

        private static JsonElement[] FlowItems(CapturingSink sink) =>
            EventsNamed(sink, "ConnectionCreate").SelectMany(e => e.GetProperty("Payload").EnumerateArray()).ToArray();

        private static void AssertAllValid(CapturingSink sink)
        {
            Assert.NotEmpty(sink.Messages);
            foreach (byte[] message in sink.Messages)
            {
                Assert.True(message.Length <= AscPortConfig.MaxMessageSize, $"message of {message.Length} bytes");
                SecurityMessageSchema.AssertValid(message, message.Length);
            }
        }

        [Fact]
        public void EnvelopeCarriesAgentIdentityAndSchemaVersion()
        {
            var h = new ModuleHarness();
            h.StartEngine();
            h.RunFirstCollection();

            AssertAllValid(h.Sink);
            JsonElement root = JsonDocument.Parse(h.Sink.Messages[0]).RootElement;
            Assert.Equal(SecurityModule.AgentVersion, root.GetProperty("AgentVersion").GetString());
            Assert.Equal(AgentId.FromDeviceId("test-device"), root.GetProperty("AgentId").GetString());
            Assert.Equal("1.0", root.GetProperty("MessageSchemaVersion").GetString());
        }

        [Fact]
        public void HeartbeatIsAnEmptyPeriodicSystemInformationEvent()
        {
            var h = new ModuleHarness();
            h.StartEngine();
            h.RunFirstCollection();

            JsonElement e = Assert.Single(h.Sink.Events);
            Assert.Equal("SystemInformation", e.GetProperty("Name").GetString());
            Assert.Equal("Periodic", e.GetProperty("Category").GetString());
            Assert.Equal("Security", e.GetProperty("EventType").GetString());
            Assert.True(e.GetProperty("IsEmpty").GetBoolean());
            Assert.Equal(0, e.GetProperty("Payload").GetArrayLength());
            Assert.Equal("1.0", e.GetProperty("PayloadSchemaVersion").GetString());
        }

        [Fact]
        public void TimestampsAreRfc3339WithZoneAndEventIdsAreFreshVersion4Guids()
        {
            var h = new ModuleHarness(listeningPorts: new OnePort());
            h.Utc.UtcOffsetMinutes = -150;
            h.StartEngine();
            h.RunFirstCollection();
            h.RunSeconds(60);

            JsonElement[] events = h.Sink.Events.ToArray();
            Assert.True(events.Length >= 4);
            var ids = new HashSet<string>();
            foreach (JsonElement e in events)
            {
                string id = e.GetProperty("Id").GetString();
                Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id);
                Assert.True(ids.Add(id), "duplicate event id " + id);

                DateTime utc = DateTime.Parse(e.GetProperty("TimestampUTC").GetString(), null, System.Globalization.DateTimeStyles.AdjustToUniversal);
                DateTimeOffset local = DateTimeOffset.Parse(e.GetProperty("TimestampLocal").GetString());
                Assert.Equal(TimeSpan.FromMinutes(-150), local.Offset);
                Assert.Equal(utc, local.UtcDateTime);
                Assert.EndsWith("-02:30", e.GetProperty("TimestampLocal").GetString());
            }

            // Clock 1 s at Epoch, random offset 0: the first collection is FIRST seconds later.
            string expected = ModuleHarness.Epoch.AddSeconds(AscPortConfig.FirstCollectionInterval).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
            Assert.Equal(expected, events[0].GetProperty("TimestampUTC").GetString());
        }

        [Fact]
        public void Ipv4FlowsBecomeConnectionCreateItemsWithExactValues()
        {
            var h = new ModuleHarness();
            h.StartEngine();
            Ipv4ConnectionCache v4 = h.Module.Ipv4Connections;
            v4.Record(FlowDirection.Out, TransportProtocol.Tcp, 0xC0A80114, 49152, 0x34010203, 8883, 300);
            v4.Record(FlowDirection.In, TransportProtocol.Tcp, 0xC0A80114, 49152, 0x34010203, 8883, 1200);
            v4.Record(FlowDirection.Out, TransportProtocol.Tcp, 0xC0A80114, 49152, 0x34010203, 8883, 100);
            v4.Record(FlowDirection.In, TransportProtocol.Udp, 0xC0A80114, 53, 0xC0A80101, 40000, 80);
            v4.Record(FlowDirection.Out, TransportProtocol.Icmp, 0xC0A80114, 0, 0x08080808, 0, 64);
            h.RunFirstCollection();

            AssertAllValid(h.Sink);
            JsonElement e = Assert.Single(EventsNamed(h.Sink, "ConnectionCreate"));
            Assert.Equal("Triggered", e.GetProperty("Category").GetString());
            Assert.False(e.GetProperty("IsEmpty").GetBoolean());
            JsonElement[] items = e.GetProperty("Payload").EnumerateArray().ToArray();
            Assert.Equal(3, items.Length);

            AssertFlow(items[0], "52.1.2.3", "8883", "192.168.1.20", "49152", "Out", "TCP", 1200, 400, 3);
            AssertFlow(items[1], "192.168.1.1", "40000", "192.168.1.20", "53", "In", "UDP", 80, 0, 1);
            AssertFlow(items[2], "8.8.8.8", "0", "192.168.1.20", "0", "Out", "ICMP", 0, 64, 1);
        }

        [Fact]
        public void Ipv6FlowsUseRfc5952TextAsSystemNetFormatsIt()
        {
            var h = new ModuleHarness();
            h.StartEngine();
            byte[] local = IPAddress.Parse("2001:db8::1:0:0:20").GetAddressBytes();
            byte[] remote = IPAddress.Parse("2606:4700:4700::1111").GetAddressBytes();
            byte[] mapped = IPAddress.Parse("::ffff:192.0.2.7").GetAddressBytes();
            h.Module.Ipv6Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, local, 0, 50000, remote, 0, 443, 500);
            h.Module.Ipv6Connections.Record(FlowDirection.In, TransportProtocol.Udp, local, 0, 5683, mapped, 0, 5683, 40);
            h.RunFirstCollection();

            AssertAllValid(h.Sink);
            JsonElement[] items = FlowItems(h.Sink);
            Assert.Equal(2, items.Length);
            AssertFlow(items[0], new IPAddress(remote).ToString(), "443", new IPAddress(local).ToString(), "50000", "Out", "TCP", 0, 500, 1);
            AssertFlow(items[1], new IPAddress(mapped).ToString(), "5683", new IPAddress(local).ToString(), "5683", "In", "UDP", 40, 0, 1);
            Assert.Equal("2001:db8::1:0:0:20", items[0].GetProperty("LocalAddress").GetString());
        }

        [Fact]
        public void AFullCacheCollectionIsSplitAcrossMessagesThatEachFitAndLoseNothing()
        {
            var h = new ModuleHarness();
            h.StartEngine();
            ulong bytesIn = 0, bytesOut = 0;
            var expected = new HashSet<string>();
            var v6 = new byte[16];
            var v6Remote = new byte[16];
            for (int i = 0; i < h.Module.Ipv4Connections.Capacity; i++)
            {
                Assert.True(h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, 0x0A000002, (ushort)(40000 + i), 0xC6336400u + (uint)i, 443, 1000 + i));
                bytesOut += (ulong)(1000 + i);
                expected.Add("198.51.100." + i + ":443");
            }

            for (int i = 0; i < h.Module.Ipv6Connections.Capacity; i++)
            {
                v6[0] = 0xfe; v6[1] = 0x80; v6[15] = 1;
                v6Remote[0] = 0x20; v6Remote[1] = 0x01; v6Remote[2] = 0x0d; v6Remote[3] = 0xb8; v6Remote[14] = (byte)(i >> 8); v6Remote[15] = (byte)i;
                Assert.True(h.Module.Ipv6Connections.Record(FlowDirection.In, TransportProtocol.Udp, v6, 0, 5683, v6Remote, 0, (ushort)(1000 + i), 2000 + i));
                bytesIn += (ulong)(2000 + i);
                expected.Add(new IPAddress(v6Remote).ToString() + ":" + (1000 + i));
            }

            h.RunFirstCollection();

            AssertAllValid(h.Sink);
            Assert.True(h.Sink.Messages.Count > 1, "64+64 flows must not fit one 4 KB message");
            JsonElement[] items = FlowItems(h.Sink);
            Assert.Equal(expected.Count, items.Length);
            Assert.Equal(expected, items.Select(i => i.GetProperty("RemoteAddress").GetString() + ":" + i.GetProperty("RemotePort").GetString()).ToHashSet());
            Assert.Equal(bytesIn, items.Aggregate(0UL, (s, i) => s + ulong.Parse(i.GetProperty("ExtraDetails").GetProperty("BytesIn").GetString())));
            Assert.Equal(bytesOut, items.Aggregate(0UL, (s, i) => s + ulong.Parse(i.GetProperty("ExtraDetails").GetProperty("BytesOut").GetString())));
            Assert.Empty(EventsNamed(h.Sink, "DroppedEventsStatistics"));
        }

        [Fact]
        public void FlowsRefusedByAFullCacheAreReportedInDroppedEventsStatistics()
        {
            var h = new ModuleHarness();
            h.StartEngine();
            int capacity = h.Module.Ipv4Connections.Capacity;
            for (int i = 0; i < capacity + 7; i++)
            {
                h.Module.Ipv4Connections.Record(FlowDirection.In, TransportProtocol.Tcp, 0x0A000002, 22, 0xCB007100u + (uint)i, 50000, 60);
            }

            h.RunFirstCollection();

            AssertAllValid(h.Sink);
            JsonElement e = Assert.Single(EventsNamed(h.Sink, "DroppedEventsStatistics"));
            Assert.Equal("Periodic", e.GetProperty("Category").GetString());
            Assert.Equal("Operational", e.GetProperty("EventType").GetString());
            JsonElement high = e.GetProperty("Payload").EnumerateArray().Single(q => q.GetProperty("Queue").GetString() == "High");
            Assert.Equal(7, high.GetProperty("DroppedEvents").GetInt32());
            Assert.Equal(capacity + 7, high.GetProperty("CollectedEvents").GetInt32());
        }

        [Fact]
        public void MessagesTheSinkRefusesAreCountedAndReportedNextTime()
        {
            var h = new ModuleHarness();
            h.StartEngine();
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, 0x0A000002, 40000, 0x08080808, 443, 10);
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, 0x0A000002, 40001, 0x08080808, 443, 10);
            h.Sink.Refuse = true;
            h.RunFirstCollection();
            Assert.Equal(1, h.Sink.Refused);

            h.Sink.Refuse = false;
            h.RunSeconds(AscPortConfig.HighPriorityInterval);

            AssertAllValid(h.Sink);
            JsonElement e = Assert.Single(EventsNamed(h.Sink, "DroppedEventsStatistics"));
            var queues = e.GetProperty("Payload").EnumerateArray().ToDictionary(q => q.GetProperty("Queue").GetString());
            Assert.Equal(2, queues["High"].GetProperty("DroppedEvents").GetInt32());
            Assert.Equal(1, queues["Low"].GetProperty("DroppedEvents").GetInt32());
        }

        [Fact]
        public void MessageStatisticsReportWhatTheSenderCounted()
        {
            var h = new ModuleHarness();
            h.StartEngine();
            h.RunFirstCollection();
            h.Module.ReportMessageSent(1200);
            h.Module.ReportMessageSent(5000);
            h.Module.ReportMessageFailed();
            h.RunSeconds(AscPortConfig.LowPriorityInterval);

            AssertAllValid(h.Sink);
            JsonElement e = Assert.Single(EventsNamed(h.Sink, "MessageStatistics"));
            JsonElement item = Assert.Single(e.GetProperty("Payload").EnumerateArray());
            Assert.Equal(2, item.GetProperty("MessagesSent").GetInt32());
            Assert.Equal(1, item.GetProperty("MessagesUnder4KB").GetInt32());
            Assert.Equal(1, item.GetProperty("TotalFailed").GetInt32());
        }

        [Fact]
        public void SystemInformationMapsSchemaFieldsAndPutsTheRestInStringExtraDetails()
        {
            var source = new FixedSystemInformation();
            var h = new ModuleHarness(systemInformation: source);
            h.StartEngine();
            h.RunFirstCollection();

            AssertAllValid(h.Sink);
            JsonElement e = Assert.Single(EventsNamed(h.Sink, "SystemInformation"), x => !x.GetProperty("IsEmpty").GetBoolean());
            JsonElement item = Assert.Single(e.GetProperty("Payload").EnumerateArray());
            Assert.Equal(".NET nanoFramework", item.GetProperty("OSName").GetString());
            Assert.Equal("1.12.0.4", item.GetProperty("OSVersion").GetString());
            Assert.Equal("ESP32", item.GetProperty("OsArchitecture").GetString());
            Assert.Equal("kitchen \"sensor\" \u00e9\U0001F600", item.GetProperty("HostName").GetString());
            Assert.Equal(520, item.GetProperty("TotalPhysicalMemoryInKB").GetInt32());
            Assert.Equal(143, item.GetProperty("FreePhysicalMemoryInKB").GetInt32());
            JsonElement extra = item.GetProperty("ExtraDetails");
            Assert.Equal("2.3.1", extra.GetProperty("FirmwareVersion").GetString());
            Assert.Equal("Wireless80211", extra.GetProperty("Interface0.Type").GetString());
            Assert.Equal("24:0a:c4:01:02:03", extra.GetProperty("Interface0.MacAddress").GetString());
            Assert.Equal("192.168.1.20", extra.GetProperty("Interface0.IPv4Address").GetString());
            Assert.Equal("fe80::1", extra.GetProperty("Interface0.IPv6Address").GetString());
            Assert.All(extra.EnumerateObject(), p => Assert.Equal(JsonValueKind.String, p.Value.ValueKind));
        }

        [Fact]
        public void AFailingSystemInformationSourceLosesOnlyItsOwnEvent()
        {
            var h = new ModuleHarness(systemInformation: new ThrowingSystemInformation());
            h.StartEngine();
            h.RunFirstCollection();

            AssertAllValid(h.Sink);
            JsonElement e = Assert.Single(h.Sink.Events);
            Assert.True(e.GetProperty("IsEmpty").GetBoolean());
        }

        [Fact]
        public void ListeningPortsAreReportedAndOverflowIsCountedAsDropped()
        {
            var h = new ModuleHarness(listeningPorts: new ManyPorts(AscPortConfig.CollectorListeningPortsMaxObjects + 3));
            h.StartEngine();
            h.RunFirstCollection();

            AssertAllValid(h.Sink);
            JsonElement[] items = EventsNamed(h.Sink, "ListeningPorts").SelectMany(e => e.GetProperty("Payload").EnumerateArray()).ToArray();
            Assert.Equal(AscPortConfig.CollectorListeningPortsMaxObjects, items.Length);
            Assert.Equal("0.0.0.0", items[0].GetProperty("LocalAddress").GetString());
            Assert.Equal("1000", items[0].GetProperty("LocalPort").GetString());
            Assert.Equal("TCP", items[0].GetProperty("Protocol").GetString());
            Assert.Equal("::", items[1].GetProperty("LocalAddress").GetString());
            Assert.Equal("UDP", items[1].GetProperty("Protocol").GetString());
            JsonElement dropped = Assert.Single(EventsNamed(h.Sink, "DroppedEventsStatistics"));
            JsonElement low = dropped.GetProperty("Payload").EnumerateArray().Single(q => q.GetProperty("Queue").GetString() == "Low");
            Assert.Equal(3, low.GetProperty("DroppedEvents").GetInt32());
        }

        [Fact]
        public void NoListeningPortsIsAnExplicitEmptySnapshot()
        {
            var h = new ModuleHarness(listeningPorts: new ManyPorts(0));
            h.StartEngine();
            h.RunFirstCollection();

            AssertAllValid(h.Sink);
            JsonElement e = Assert.Single(EventsNamed(h.Sink, "ListeningPorts"));
            Assert.True(e.GetProperty("IsEmpty").GetBoolean());
        }

        private static void AssertFlow(JsonElement item, string remote, string remotePort, string local, string localPort, string direction, string protocol, ulong bytesIn, ulong bytesOut, uint hits)
        {
            Assert.Equal(remote, item.GetProperty("RemoteAddress").GetString());
            Assert.Equal(remotePort, item.GetProperty("RemotePort").GetString());
            Assert.Equal(local, item.GetProperty("LocalAddress").GetString());
            Assert.Equal(localPort, item.GetProperty("LocalPort").GetString());
            Assert.Equal(direction, item.GetProperty("Direction").GetString());
            Assert.Equal(protocol, item.GetProperty("Protocol").GetString());
            Assert.Equal(0, item.GetProperty("ProcessId").GetInt32());
            Assert.Equal(AscPortConfig.AgentExecutableName, item.GetProperty("Executable").GetString());
            JsonElement extra = item.GetProperty("ExtraDetails");
            Assert.Equal(bytesIn.ToString(), extra.GetProperty("BytesIn").GetString());
            Assert.Equal(bytesOut.ToString(), extra.GetProperty("BytesOut").GetString());
            Assert.Equal(hits.ToString(), extra.GetProperty("HitCount").GetString());
        }

        private sealed class FixedSystemInformation : ISystemInformationSource
        {
            public void Read(SystemInformation information)
            {
                information.OsName = ".NET nanoFramework";
                information.OsVersion = "1.12.0.4";
                information.Architecture = "ESP32";
                information.HostName = "kitchen \"sensor\" \u00e9\U0001F600";
                information.FirmwareVersion = "2.3.1";
                information.TotalMemoryKB = 520;
                information.FreeMemoryKB = 143;
                information.InterfaceCount = 1;
                information.Interfaces[0].Type = "Wireless80211";
                information.Interfaces[0].MacAddress = "24:0a:c4:01:02:03";
                information.Interfaces[0].Ipv4Address = "192.168.1.20";
                information.Interfaces[0].Ipv6Address = "fe80::1";
            }
        }

        private sealed class ThrowingSystemInformation : ISystemInformationSource
        {
            public void Read(SystemInformation information) => throw new InvalidOperationException("port down");
        }

        private sealed class OnePort : IListeningPortsSource
        {
            public void Read(ListeningPortList ports) => ports.AddIpv4(TransportProtocol.Tcp, 0, 80);
        }

        private sealed class ManyPorts : IListeningPortsSource
        {
            private readonly int _count;

            public ManyPorts(int count) => _count = count;

            public void Read(ListeningPortList ports)
            {
                for (int i = 0; i < _count; i++)
                {
                    if (i % 2 == 0)
                    {
                        ports.AddIpv4(TransportProtocol.Tcp, 0, (ushort)(1000 + i));
                    }
                    else
                    {
                        ports.AddIpv6(TransportProtocol.Udp, new byte[16], 0, (ushort)(1000 + i));
                    }
                }
            }
        }
    }
}
