using System.Text.Json;
using NanoSecurity.Tests.Collectors;
using Xunit;
using static NanoSecurity.Tests.Detections.DetectionTestSupport;

namespace NanoSecurity.Tests.Detections
{
    /// <summary>Each detection, positive and negative, through the module on fake clocks; every message valid against Microsoft's schema.</summary>
    public class EdgeDetectionTests
    {
        [Fact]
        public void ADeniedAddressLeavesAtTheNextTickWithItsFlowEvenWithTheDefaultFrequencies()
        {
            // PT7M, PT5H and hourly aggregation: without a detection nothing would leave for minutes.
            var h = Started(Rules(s => Deny(s, "203.0.113.0/24")), AgentConfiguration.Defaults());
            Assert.True(h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 49152, Denied, 4444, 60));
            Assert.Empty(h.Sink.Messages);

            h.Engine.Tick();

            JsonElement item = Assert.Single(DiagnosticItems(h.Sink));
            Assert.Single(h.Sink.Messages);
            Assert.Equal("Warning", item.GetProperty("Severity").GetString());
            Assert.Equal("outbound TCP connection to denied address 203.0.113.7:4444", item.GetProperty("Message").GetString());
            Assert.Equal(0, item.GetProperty("ProcessId").GetInt32());
            Assert.Equal(0, item.GetProperty("ThreadId").GetInt32());
            Assert.Equal("DeniedRemoteAddress", Detail(item, "Detection"));
            Assert.Equal("203.0.113.0/24", Detail(item, "Rule"));
            Assert.Equal("203.0.113.7", Detail(item, "RemoteAddress"));
            Assert.Equal("4444", Detail(item, "RemotePort"));
            Assert.Equal("49152", Detail(item, "LocalPort"));
            Assert.Equal("TCP", Detail(item, "Protocol"));
            Assert.Equal("1", Detail(item, "Count"));

            JsonElement flow = h.Sink.Events.Single(e => e.GetProperty("Name").GetString() == "ConnectionCreate").GetProperty("Payload")[0];
            Assert.Equal("203.0.113.7", flow.GetProperty("RemoteAddress").GetString());
            Assert.Equal("4444", flow.GetProperty("RemotePort").GetString());
        }

        [Fact]
        public void AnAddressOutsideTheDenyListRaisesNothing()
        {
            var h = Started(Rules(s => Deny(s, "203.0.113.0/24", "2001:db8::/32")), AgentConfiguration.Defaults());
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 49152, 0xCB007207, 4444, 60);
            h.Module.Ipv6Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Ipv6ConnectionCacheTests.Ip("2001:db9::1"), 0, 1, Ipv6ConnectionCacheTests.Ip("2001:db9::2"), 0, 2, 60);
            h.Engine.Tick();
            Assert.Empty(h.Sink.Messages);
            Assert.False(h.Module.Detector.HasPending);
        }

        [Fact]
        public void ADeniedIpv6AddressIsDetectedInbound()
        {
            var h = Started(Rules(s => Deny(s, "2001:db8::/32")));
            byte[] local = Ipv6ConnectionCacheTests.Ip("2001:db9::1");
            byte[] remote = Ipv6ConnectionCacheTests.Ip("2001:db8:1::7");
            h.Module.Ipv6Connections.Record(FlowDirection.In, TransportProtocol.Udp, local, 0, 53, remote, 0, 5353, 60);
            h.Engine.Tick();

            JsonElement item = Assert.Single(DiagnosticItems(h.Sink));
            Assert.Equal("inbound UDP flow from denied address [2001:db8:1::7]:5353", item.GetProperty("Message").GetString());
            Assert.Equal("2001:db8::/32", Detail(item, "Rule"));
            Assert.Equal("2001:db8:1::7", Detail(item, "RemoteAddress"));
            Assert.Equal("UDP", Detail(item, "Protocol"));
        }

        [Fact]
        public void OnlyAFlowsFirstPacketIsEvaluated()
        {
            var h = Started(Rules(s => Deny(s, "0.0.0.0/0")), AgentConfiguration.Defaults());
            for (int i = 0; i < 100; i++)
            {
                h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 49152, Denied, 4444, 60);
            }

            h.Engine.Tick();
            Assert.Equal("1", Detail(Assert.Single(DiagnosticItems(h.Sink)), "Count"));
        }

        [Theory]
        [InlineData(0x08080808u, true)]      // 8.8.8.8
        [InlineData(0x0A010203u, false)]     // 10.1.2.3, allowed
        [InlineData(0x7F000001u, false)]     // loopback
        [InlineData(0xA9FE0101u, false)]     // link-local
        public void WithAnAllowListOnlyAddressesOutsideItAreDetected(uint remote, bool detected)
        {
            var h = Started(Rules(s => Allow(s, "10.0.0.0/8")));
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 40000, remote, 443, 60);
            h.Engine.Tick();
            List<JsonElement> items = DiagnosticItems(h.Sink);
            Assert.Equal(detected ? 1 : 0, items.Count);
            if (detected)
            {
                Assert.Equal("NotAllowedRemoteAddress", Detail(items[0], "Detection"));
                Assert.Equal("allowedRemoteAddresses", Detail(items[0], "Rule"));
                Assert.Equal("outbound TCP connection to address 8.8.8.8:443, which no allowed range holds", items[0].GetProperty("Message").GetString());
            }
        }

        [Theory]
        [InlineData("2001:db8::9", true)]
        [InlineData("2001:db7::9", false)]
        [InlineData("::1", false)]
        [InlineData("fe80::1", false)]
        [InlineData("2002::1", true)]
        public void TheAllowListWorksForIpv6(string remote, bool detected)
        {
            var h = Started(Rules(s => Allow(s, "2001:db7::/32")));
            h.Module.Ipv6Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Ipv6ConnectionCacheTests.Ip("2001:db7::1"), 0, 40000, Ipv6ConnectionCacheTests.Ip(remote), 0, 443, 60);
            h.Engine.Tick();
            Assert.Equal(detected ? 1 : 0, DiagnosticItems(h.Sink).Count);
        }

        [Fact]
        public void ADeniedAddressInTheAllowListIsDetectedOnceAsDenied()
        {
            var h = Started(Rules(s => { Deny(s, "203.0.113.7"); Allow(s, "203.0.113.0/24"); }));
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 40000, Denied, 443, 60);
            h.Engine.Tick();
            Assert.Equal("DeniedRemoteAddress", Detail(Assert.Single(DiagnosticItems(h.Sink)), "Detection"));
        }

        [Fact]
        public void RepeatsAreRateLimitedAndTheirCountCarriedIntoTheNextEvent()
        {
            var h = Started(Rules(s => Deny(s, "203.0.113.0/24")));
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 50000, Denied, 4444, 60);
            h.Engine.Tick();
            Assert.Single(DiagnosticItems(h.Sink));

            // Two more flows to the same address within the interval: held back.
            h.Sink.Clear();
            h.Clock.AdvanceSeconds(1);
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 50001, Denied, 4444, 60);
            h.Engine.Tick();
            h.Clock.AdvanceSeconds(1);
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 50002, Denied, 4444, 60);
            h.Engine.Tick();
            Assert.Empty(DiagnosticItems(h.Sink));

            // Another remote is another key: not held back.
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 50003, 0xCB007108, 4444, 60);
            h.Engine.Tick();
            Assert.Equal("203.0.113.8", Detail(Assert.Single(DiagnosticItems(h.Sink)), "RemoteAddress"));

            h.Sink.Clear();
            h.Clock.AdvanceSeconds(AscPortConfig.DetectionsRateLimitInterval);
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 50004, Denied, 4444, 60);
            h.Engine.Tick();
            JsonElement item = Assert.Single(DiagnosticItems(h.Sink));
            Assert.Equal("3", Detail(item, "Count"));
            Assert.Equal("2", Detail(item, "Suppressed"));
            Assert.EndsWith("(3 flows since the last report)", item.GetProperty("Message").GetString());
        }

        [Fact]
        public void APortScanIsDetectedAboveTheThresholdWithinTheWindow()
        {
            var h = Started(Rules(s => { s.PortScanDistinctPorts = 3; s.PortScanWindow = 10; }));
            const uint scanner = 0xC6336409; // 198.51.100.9
            for (ushort port = 1; port <= 3; port++)
            {
                h.Module.Ipv4Connections.Record(FlowDirection.In, TransportProtocol.Tcp, Local, port, scanner, 40000, 60);
            }

            // An outbound flow and another remote do not add to the scanner's count.
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 4, scanner, 40000, 60);
            h.Module.Ipv4Connections.Record(FlowDirection.In, TransportProtocol.Tcp, Local, 5, scanner + 1, 40000, 60);
            h.Engine.Tick();
            Assert.Empty(DiagnosticItems(h.Sink));

            h.Module.Ipv4Connections.Record(FlowDirection.In, TransportProtocol.Tcp, Local, 6, scanner, 40000, 60);
            h.Engine.Tick();
            JsonElement item = Assert.Single(DiagnosticItems(h.Sink));
            Assert.Equal("PortScan", Detail(item, "Detection"));
            Assert.Equal("4", Detail(item, "Count"));
            Assert.Equal("198.51.100.9", Detail(item, "RemoteAddress"));
            Assert.Equal("port scan from 198.51.100.9: 4 local ports within the window, more than 3", item.GetProperty("Message").GetString());
        }

        [Fact]
        public void PortsTouchedBeforeTheWindowDoNotCount()
        {
            var h = Started(Rules(s => { s.PortScanDistinctPorts = 2; s.PortScanWindow = 10; }));
            byte[] local = Ipv6ConnectionCacheTests.Ip("2001:db8::1");
            byte[] scanner = Ipv6ConnectionCacheTests.Ip("2001:db8::bad");
            for (ushort port = 1; port <= 6; port++)
            {
                // One new port every 6 s: never more than 2 within 10 s.
                h.Module.Ipv6Connections.Record(FlowDirection.In, TransportProtocol.Udp, local, 0, port, scanner, 0, 9, 60);
                h.Clock.AdvanceSeconds(6);
            }

            h.Engine.Tick();
            Assert.Empty(DiagnosticItems(h.Sink));
        }

        [Fact]
        public void TheModuleCountsPortScanPairsEvictedInsideTheWindow()
        {
            var h = Started(Rules(s => { s.PortScanDistinctPorts = 10_000; s.PortScanWindow = 60; }));
            int pairs = AscPortConfig.DetectionsPortScanTableSize;
            for (int port = 0; port < pairs + 5; port++)
            {
                h.Module.Ipv4Connections.Record(FlowDirection.In, TransportProtocol.Udp, Local, (ushort)port, 0xC6336409, 9, 60);
                h.Module.Ipv4Connections.SwapForCollection().Clear();
            }

            Assert.Equal(5, h.Module.PortScanOverflows);
        }

        [Fact]
        public void APortScanTableTooSmallCountsItsOverflows()
        {
            var tracker = new PortScanTracker(4);
            for (ushort port = 0; port < 10; port++)
            {
                Assert.Equal(port < 4 ? port + 1 : 4, tracker.Touch(false, 1, 0, 0, 0, port, 1000, 60_000));
            }

            Assert.Equal(6, tracker.Overflows);
        }

        [Fact]
        public void TooManyActiveConnectionsAreDetectedAtCollection()
        {
            var h = Started(Rules(s => s.ActiveConnectionsMax = 2));
            for (ushort port = 1; port <= 3; port++)
            {
                h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, port, Elsewhere, 443, 60);
            }

            h.Engine.Tick();
            Assert.Empty(h.Sink.Messages);
            h.RunSeconds(AscPortConfig.HighPriorityInterval);

            JsonElement item = Assert.Single(DiagnosticItems(h.Sink));
            Assert.Equal("ActiveConnectionsOutOfRange", Detail(item, "Detection"));
            Assert.Equal("activeConnectionsMax", Detail(item, "Rule"));
            Assert.Equal("3", Detail(item, "Count"));
            Assert.Equal("", Detail(item, "RemoteAddress"));
            Assert.Equal("3 active connections in one collection, more than the maximum of 2", item.GetProperty("Message").GetString());
        }

        [Fact]
        public void TooFewActiveConnectionsAreDetectedAndARangeThatHoldsIsNot()
        {
            var h = Started(Rules(s => { s.ActiveConnectionsMin = 1; s.ActiveConnectionsMax = 1; }));
            h.RunSeconds(AscPortConfig.HighPriorityInterval);
            Assert.Equal("activeConnectionsMin", Detail(Assert.Single(DiagnosticItems(h.Sink)), "Rule"));

            h.Sink.Clear();
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 1, Elsewhere, 443, 60);
            h.RunSeconds(AscPortConfig.HighPriorityInterval);
            Assert.Empty(DiagnosticItems(h.Sink));
        }

        [Fact]
        public void AnUnexpectedListeningPortIsDetectedInTheSnapshot()
        {
            var h = Started(
                Rules(s => { s.ExpectedListeningPorts.Add(TransportProtocol.Tcp, 80); s.ExpectedListeningPorts.Add(TransportProtocol.Udp, 5353); }),
                listening: new Listening((TransportProtocol.Tcp, 80), (TransportProtocol.Udp, 5353), (TransportProtocol.Tcp, 23), (TransportProtocol.Udp, 80)));
            h.RunSeconds(AscPortConfig.MediumPriorityInterval);

            List<JsonElement> items = DiagnosticItems(h.Sink);
            Assert.Equal(new[] { "unexpected listening port tcp/23", "unexpected listening port udp/80" },
                items.Select(i => i.GetProperty("Message").GetString()).Distinct().ToArray());
            Assert.All(items, i => Assert.Equal("UnexpectedListeningPort", Detail(i, "Detection")));
        }

        [Fact]
        public void ListeningPortsAreNotCheckedWithoutExpectedPorts()
        {
            var h = Started(Rules(s => { }), listening: new Listening((TransportProtocol.Tcp, 23)));
            h.RunSeconds(AscPortConfig.MediumPriorityInterval);
            Assert.NotEmpty(h.Sink.Messages);
            Assert.Empty(DiagnosticItems(h.Sink));
        }

        [Fact]
        public void DisabledDetectionsRaiseNothing()
        {
            var h = Started(Rules(s => { Deny(s, "0.0.0.0/0"); s.Enabled = false; s.ActiveConnectionsMax = 0; }));
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 1, Denied, 443, 60);
            h.RunSeconds(AscPortConfig.HighPriorityInterval);
            Assert.NotEmpty(h.Sink.Messages);
            Assert.Empty(DiagnosticItems(h.Sink));
        }

        [Fact]
        public void DetectionsDoNotFollowTheDiagnosticPriority()
        {
            AgentConfiguration configuration = TestConfigurations.EveryCollection();
            configuration.EventPriorityDiagnostic = EventPriority.Off;
            var h = Started(Rules(s => Deny(s, "203.0.113.0/24")), configuration);
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 1, Denied, 443, 60);
            h.Engine.Tick();
            Assert.Single(DiagnosticItems(h.Sink));
        }

        [Fact]
        public void TheObserverSeesEachDetectionOffThePacketPath()
        {
            var observer = new RecordingObserver();
            var h = new ModuleHarness(detectionObserver: observer);
            h.Module.Detector.Configure(Rules(s => Deny(s, "203.0.113.0/24")));
            h.StartEngine();
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 1, Denied, 443, 60);
            Assert.Empty(observer.Reports);

            h.Engine.Tick();
            DetectionReport report = Assert.Single(observer.Reports);
            Assert.Equal("DeniedRemoteAddress", report.Detection);
            Assert.Equal("203.0.113.7", report.RemoteAddress);
            Assert.Equal(443, report.RemotePort);
            Assert.Equal(1, report.LocalPort);
            Assert.Equal("TCP", report.Protocol);
            Assert.Equal("outbound TCP connection to denied address 203.0.113.7:443", report.Message);
        }

        [Fact]
        public void DetectionsWaitForAValidClockAndAreNotLost()
        {
            var h = new ModuleHarness(utcValid: false);
            h.Module.Detector.Configure(Rules(s => Deny(s, "203.0.113.0/24")));
            h.StartEngine();
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 1, Denied, 443, 60);
            h.Engine.Tick();
            Assert.Empty(h.Sink.Messages);
            Assert.True(h.Module.Detector.HasPending);

            h.Utc.Set(ModuleHarness.Epoch);
            h.Engine.Tick();
            Assert.Single(DiagnosticItems(h.Sink));
        }

        [Fact]
        public void ADetectionRaisedJustBeforeStopIsSentWithItsFlow()
        {
            var h = Started(Rules(s => Deny(s, "203.0.113.0/24")), AgentConfiguration.Defaults());
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 1, Denied, 443, 60);
            h.Engine.Stop();
            Assert.Single(DiagnosticItems(h.Sink));
            Assert.Contains(h.Sink.Events, e => e.GetProperty("Name").GetString() == "ConnectionCreate");
        }

        private sealed class RecordingObserver : IDetectionObserver
        {
            public List<DetectionReport> Reports { get; } = new();

            public void OnDetection(DetectionReport report) => Reports.Add(report);
        }

        private sealed class Listening : IListeningPortsSource
        {
            private readonly (TransportProtocol, ushort)[] _ports;

            public Listening(params (TransportProtocol, ushort)[] ports) => _ports = ports;

            public void Read(ListeningPortList ports)
            {
                foreach ((TransportProtocol protocol, ushort port) in _ports)
                {
                    ports.AddIpv4(protocol, 0, port);
                }
            }
        }
    }
}
