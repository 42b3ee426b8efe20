using Xunit;

namespace NanoSecurity.Tests
{
    /// <summary>
    /// The public diagnostics members a host tool (the host emulator) uses instead of internals:
    /// SecurityModuleBuildInfo, SecurityModuleOptions.MessageObserver and the collector status.
    /// </summary>
    public sealed class DiagnosticsApiTests
    {
        [Fact]
        public void BuildInfoIsTheConfigurationTheLoadedDllWasCompiledWith()
        {
            // AscPortConfig's constants were copied into this test assembly when it was compiled;
            // SecurityModuleBuildInfo reads the SecurityModule.dll loaded now. Equal means the tests
            // run against the DLL they were compiled against (the default flavour, not the emulator's).
            Assert.Equal(AscPortConfig.SecurityModuleId, SecurityModuleBuildInfo.ModuleId);
            Assert.Equal(AscPortConfig.SecurityModulePendingTime, SecurityModuleBuildInfo.PendingTime);
            Assert.Equal(AscPortConfig.FirstCollectionInterval, SecurityModuleBuildInfo.FirstCollectionInterval);
            Assert.Equal(AscPortConfig.HighPriorityInterval, SecurityModuleBuildInfo.HighPriorityInterval);
            Assert.Equal(AscPortConfig.MediumPriorityInterval, SecurityModuleBuildInfo.MediumPriorityInterval);
            Assert.Equal(AscPortConfig.LowPriorityInterval, SecurityModuleBuildInfo.LowPriorityInterval);
            Assert.Equal(AscPortConfig.MaxMessageSize, SecurityModuleBuildInfo.MaxMessageSize);
            Assert.Equal(AscPortConfig.LocalCacheSize, SecurityModuleBuildInfo.LocalCacheSize);
            Assert.Equal(AscPortConfig.LogLevel, SecurityModuleBuildInfo.LogLevel);
        }

        [Fact]
        public void TheObserverSeesEveryMessageTheSinkGets()
        {
            var observer = new CopyingObserver();
            var h = new ModuleHarness(observer: observer);
            h.StartEngine();
            h.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, 0x0A000001, 40000, 0x0A000002, 8883, 100);
            h.RunFirstCollection();
            h.RunSeconds(AscPortConfig.LowPriorityInterval);

            IReadOnlyList<byte[]> sent = h.Sink.Messages;
            Assert.NotEmpty(sent);
            Assert.Equal(sent.Count, observer.Messages.Count);
            for (int i = 0; i < sent.Count; i++)
            {
                Assert.Equal(sent[i], observer.Messages[i]);
            }
        }

        [Fact]
        public void AnObserverThatThrowsCostsNoMessage()
        {
            var h = new ModuleHarness(observer: new ThrowingObserver());
            h.StartEngine();
            h.RunFirstCollection();

            Assert.NotEmpty(h.Sink.Messages);
        }

        [Fact]
        public void TheCollectorStatusShowsEachCollectorsLastAndNextRun()
        {
            var h = new ModuleHarness();
            SecurityModule module = h.Module;
            string[] names = Enumerable.Range(0, module.CollectorCount).Select(module.GetCollectorName).ToArray();
            Assert.Equal("DroppedEventsStatistics", names[^1]);
            Assert.Contains("Heartbeat", names);
            Assert.Contains("MessageStatistics", names);
            for (int i = 0; i < module.CollectorCount; i++)
            {
                Assert.Equal(-1, module.GetCollectorLastRun(i));
                Assert.Equal(-1, module.GetCollectorNextDue(i));
            }

            h.StartEngine();
            h.RunFirstCollection();
            long first = h.Clock.ElapsedMilliseconds;
            for (int i = 0; i < module.CollectorCount; i++)
            {
                Assert.Equal(first, module.GetCollectorLastRun(i));
            }

            int heartbeat = Array.IndexOf(names, "Heartbeat");
            int dropped = names.Length - 1;
            Assert.Equal(first + AscPortConfig.LowPriorityInterval * 1000L, module.GetCollectorNextDue(heartbeat));
            long soonest = Math.Min(AscPortConfig.HighPriorityInterval, Math.Min(AscPortConfig.MediumPriorityInterval, AscPortConfig.LowPriorityInterval));
            Assert.Equal(first + soonest * 1000L, module.GetCollectorNextDue(dropped));
            Assert.Throws<ArgumentOutOfRangeException>(() => module.GetCollectorName(module.CollectorCount));
        }

        private sealed class CopyingObserver : ISecurityMessageObserver
        {
            public List<byte[]> Messages { get; } = new List<byte[]>();

            public void OnMessage(byte[] body, int length) => Messages.Add(body.AsSpan(0, length).ToArray());
        }

        private sealed class ThrowingObserver : ISecurityMessageObserver
        {
            public void OnMessage(byte[] body, int length) => throw new InvalidOperationException("observer failure");
        }
    }
}
