using System.Text.Json;
using Xunit;

namespace NanoSecurity.Tests
{
    public class CollectionEngineTests
    {
        private const long Start = 1_000;

        private static int CountEvents(CapturingSink sink, string name, bool? isEmpty = null) =>
            sink.Events.Count(e => e.GetProperty("Name").GetString() == name
                && (isEmpty == null || e.GetProperty("IsEmpty").GetBoolean() == isEmpty));

        [Fact]
        public void FirstCollectionIsAtTheLowEndOfTheWindowWhenRandomIsZero()
        {
            var h = new ModuleHarness();
            h.Random.NextOverride = 0;
            h.StartEngine();

            Assert.Equal(AscPortConfig.FirstCollectionInterval * 1000, h.Random.LastMaxExclusive);
            long expected = Start + AscPortConfig.FirstCollectionInterval * 1000L;
            Assert.Equal(expected, h.Engine.NextDue(CollectorPriority.High));
            Assert.Equal(expected, h.Engine.NextDue(CollectorPriority.Medium));
            Assert.Equal(expected, h.Engine.NextDue(CollectorPriority.Low));
        }

        [Fact]
        public void FirstCollectionStaysBelowTwiceTheFirstInterval()
        {
            var h = new ModuleHarness();
            h.Random.NextOverride = int.MaxValue;
            h.StartEngine();

            long last = Start + 2 * AscPortConfig.FirstCollectionInterval * 1000L - 1;
            Assert.Equal(last, h.Engine.NextDue(CollectorPriority.High));
        }

        [Fact]
        public void NothingIsSentBeforeTheFirstCollectionAndOneMessageAtIt()
        {
            var h = new ModuleHarness();
            h.StartEngine();
            long due = h.Engine.NextDue(CollectorPriority.High);

            h.Clock.ElapsedMilliseconds = due - 1;
            h.Engine.Tick();
            Assert.Empty(h.Sink.Messages);

            h.Clock.ElapsedMilliseconds = due;
            long delay = h.Engine.Tick();
            Assert.Single(h.Sink.Messages);
            Assert.Equal(1, CountEvents(h.Sink, "SystemInformation", isEmpty: true));
            Assert.Equal(AscPortConfig.HighPriorityInterval * 1000L, delay);
        }

        [Fact]
        public void GroupsRunAtTheirIntervalsAlignedOnTheFirstCollection()
        {
            var ports = new StaticListeningPorts();
            var h = new ModuleHarness(listeningPorts: ports);
            h.StartEngine();
            h.RunFirstCollection();
            long first = h.Clock.ElapsedMilliseconds;

            Assert.Equal(first + AscPortConfig.HighPriorityInterval * 1000L, h.Engine.NextDue(CollectorPriority.High));
            Assert.Equal(first + AscPortConfig.MediumPriorityInterval * 1000L, h.Engine.NextDue(CollectorPriority.Medium));
            Assert.Equal(first + AscPortConfig.LowPriorityInterval * 1000L, h.Engine.NextDue(CollectorPriority.Low));

            h.RunSeconds(120);

            // Low (heartbeat) at 0, 60, 120 s; medium (listening ports) at 0, 30, 60, 90, 120 s.
            Assert.Equal(3, CountEvents(h.Sink, "SystemInformation", isEmpty: true));
            Assert.Equal(5, CountEvents(h.Sink, "ListeningPorts"));
        }

        [Fact]
        public void FlowsAreCollectedEveryHighPriorityInterval()
        {
            var h = new ModuleHarness();
            h.StartEngine();
            h.RunFirstCollection();
            h.Sink.Clear();

            for (int i = 0; i < 3; i++)
            {
                h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, 0x0A000002, 50000, 0x08080808, 443, 100);
                h.RunSeconds(AscPortConfig.HighPriorityInterval);
            }

            Assert.Equal(3, CountEvents(h.Sink, "ConnectionCreate"));
        }

        [Fact]
        public void LinkStateMovesBetweenPendingAndActive()
        {
            var h = new ModuleHarness();
            h.Engine.Start();
            Assert.Equal(SecurityModuleState.Pending, h.Module.State);

            h.Engine.SetLinkState(true);
            Assert.Equal(SecurityModuleState.Active, h.Module.State);

            h.Engine.SetLinkState(false);
            Assert.Equal(SecurityModuleState.Pending, h.Module.State);
        }

        [Fact]
        public void PendingTurnsSuspendedAfterThePendingTimeAndCaptureStops()
        {
            var h = new ModuleHarness();
            h.StartEngine(linkUp: false);
            h.RunSeconds(AscPortConfig.SecurityModulePendingTime - 1);
            Assert.Equal(SecurityModuleState.Pending, h.Module.State);
            Assert.True(h.Module.Ipv4Connections.Record(FlowDirection.In, TransportProtocol.Udp, 0x0A000002, 53, 0x0A000001, 5353, 60));

            h.RunSeconds(1);
            Assert.Equal(SecurityModuleState.Suspended, h.Module.State);
            Assert.False(h.Module.Ipv4Connections.Record(FlowDirection.In, TransportProtocol.Udp, 0x0A000002, 53, 0x0A000001, 5353, 60));
            Assert.Equal(0, h.Module.Ipv4Connections.Count);

            int before = h.Sink.Messages.Count;
            h.RunSeconds(600);
            Assert.Equal(before, h.Sink.Messages.Count);
        }

        [Fact]
        public void SuspendedResumesWhenTheLinkIsBackWithANewRandomFirstCollection()
        {
            var h = new ModuleHarness();
            h.StartEngine(linkUp: false);
            h.RunSeconds(AscPortConfig.SecurityModulePendingTime);
            Assert.Equal(SecurityModuleState.Suspended, h.Module.State);
            h.Sink.Clear();

            long resumedAt = h.Clock.ElapsedMilliseconds;
            h.Engine.SetLinkState(true);
            Assert.Equal(SecurityModuleState.Active, h.Module.State);
            Assert.Equal(resumedAt + AscPortConfig.FirstCollectionInterval * 1000L, h.Engine.NextDue(CollectorPriority.High));
            Assert.True(h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, 0x0A000002, 50000, 0x08080808, 443, 10));

            h.RunFirstCollection();
            Assert.Equal(1, CountEvents(h.Sink, "ConnectionCreate"));
        }

        [Fact]
        public void WithoutValidUtcTheModuleStaysPendingAndTimestampsNothing()
        {
            var h = new ModuleHarness(utcValid: false);
            h.StartEngine(linkUp: true);
            Assert.Equal(SecurityModuleState.Pending, h.Module.State);

            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, 0x0A000002, 50000, 0x08080808, 443, 10);
            h.RunSeconds(2 * AscPortConfig.FirstCollectionInterval + AscPortConfig.SecurityModulePendingTime);
            Assert.Empty(h.Sink.Messages);
            Assert.Equal(SecurityModuleState.Pending, h.Module.State);

            var synced = new DateTime(2026, 11, 25, 13, 0, 0, DateTimeKind.Utc);
            h.Utc.Set(synced);
            h.Engine.Tick();

            Assert.Equal(SecurityModuleState.Active, h.Module.State);
            JsonElement flow = Assert.Single(h.Sink.Events, e => e.GetProperty("Name").GetString() == "ConnectionCreate");
            Assert.Equal("2026-11-25T13:00:00.000Z", flow.GetProperty("TimestampUTC").GetString());
            Assert.Equal("8.8.8.8", flow.GetProperty("Payload")[0].GetProperty("RemoteAddress").GetString());
        }

        [Fact]
        public void StopReturnsToNotInitializedAndTickDoesNothing()
        {
            var h = new ModuleHarness();
            h.StartEngine();
            h.Engine.Stop();
            Assert.Equal(SecurityModuleState.NotInitialized, h.Module.State);
            Assert.Equal(-1, h.Engine.Tick());
        }

        [Fact]
        public void ItsOwnThreadDrivesCollection()
        {
            var h = new ModuleHarness();

            // Link up first: moving the clock far ahead with the link down would rightly suspend
            // the module. Then time jumps past the first collection and a link report wakes the
            // driving thread from its wait, so its next tick collects.
            h.Clock.ElapsedMilliseconds = 10_000_000;
            h.Module.Start();
            h.Module.SetLinkState(true);
            h.Clock.ElapsedMilliseconds = 20_000_000;
            h.Module.SetLinkState(true);
            try
            {
                Assert.True(h.Sink.WaitFor(1, TimeSpan.FromSeconds(30)), "the driving thread never ran a collection");
                Assert.Equal(SecurityModuleState.Active, h.Module.State);
            }
            finally
            {
                h.Module.Stop();
            }
        }

        private sealed class StaticListeningPorts : IListeningPortsSource
        {
            public void Read(ListeningPortList ports)
            {
                ports.AddIpv4(TransportProtocol.Tcp, 0, 80);
            }
        }
    }
}
