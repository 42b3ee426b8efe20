using System;
using System.Threading;

namespace NanoSecurity.DeviceTests
{
    /// <summary>
    /// The module's own driving thread, a timer and concurrent recorders, for a few seconds of real
    /// time. Results are counted, never timed: a slow runtime only makes the waits longer.
    /// </summary>
    internal static class ThreadChecks
    {
        private const int WaitMs = 10000;

        internal static void Run(Check check)
        {
            DrivingThread(check);
            TimerFires(check);
            ConcurrentRecorders(check);
        }

        private static void DrivingThread(Check check)
        {
            var clock = new OffsetRealTimeClock(0);
            var device = new DeviceModule(clock);
            SecurityModule module = device.Module;
            module.Start();

            // The first collection is ASC_FIRST_COLLECTION_INTERVAL away: bring it close, then let
            // the link report wake the driver, which must then collect on its own thread.
            clock.Jump(module.Engine.NextDue(CollectorPriority.High) - clock.ElapsedMilliseconds - 200);
            module.SetLinkState(true);
            check.True("driver-collects", device.Sink.WaitFor(1, WaitMs), "no message within " + WaitMs.ToString() + " ms");
            check.Equal("driver-active", (int)SecurityModuleState.Active, (int)module.State);

            module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, 0xC0A80128, 50001, 0x0D6B2A10, 443, 100);
            int before = device.Sink.Count;
            clock.Jump(AscPortConfig.HighPriorityInterval * 1000);
            module.SetLinkState(true);
            check.True("driver-collects-again", device.Sink.WaitFor(before + 1, WaitMs), "still " + device.Sink.Count.ToString() + " messages");

            byte[] patch = DeviceModule.Utf8("{\"ms_iotn:urn_azureiot_Security_SecurityAgentConfiguration\":{\"eventPriorityConnectionCreate\":{\"value\":\"Off\"}},\"$version\":9}");
            check.Equal("twin-while-driving", true, module.ApplyTwin(patch, 0, patch.Length, false));
            string reported = DeviceModule.Text(module.GetReportedProperties());
            check.True("reported-while-driving", reported.IndexOf("\"eventPriorityConnectionCreate\":{\"value\":\"Off\"}") > 0, Check.Printable(reported));

            module.Stop(0);
            check.Equal("driver-no-faults", 0, module.Faults);
        }

        private static void TimerFires(Check check)
        {
            var fired = new AutoResetEvent(false);
            int[] count = new int[1];
            var timer = new Timer(state =>
            {
                if (Interlocked.Increment(ref count[0]) >= 5)
                {
                    fired.Set();
                }
            }, null, 10, 20);
            bool done = fired.WaitOne(WaitMs, false);
            timer.Dispose();
            check.True("timer-fires-repeatedly", done, "fired " + count[0].ToString() + " times");
        }

        private static void ConcurrentRecorders(Check check)
        {
            const int Threads = 4;
            const int PacketsEach = 2000;
            var cache = new Ipv4ConnectionCache(64, new FlowFilter(false, false, false, true));
            var threads = new Thread[Threads];
            for (int t = 0; t < Threads; t++)
            {
                var recorder = new Recorder(cache, (ushort)(1000 + t), PacketsEach);
                threads[t] = new Thread(recorder.Run);
                threads[t].Start();
            }

            long hits = 0;
            long bytes = 0;
            bool running = true;
            while (running)
            {
                running = false;
                for (int t = 0; t < Threads; t++)
                {
                    running |= threads[t].IsAlive;
                }

                Ipv4FlowTable table = cache.SwapForCollection();
                for (int i = 0; i < table.Count; i++)
                {
                    hits += table.HitCount(i);
                    bytes += (long)table.BytesOut(i);
                }

                cache.Release();
                Thread.Sleep(1);
            }

            check.Equal("recorders-every-packet-once", Threads * PacketsEach, hits);
            check.Equal("recorders-every-byte-once", Threads * PacketsEach * 10L, bytes);
        }

        /// <summary>One recording thread: its own local port, one packet of 10 bytes at a time.</summary>
        private sealed class Recorder
        {
            private readonly Ipv4ConnectionCache _cache;
            private readonly ushort _port;
            private readonly int _packets;

            internal Recorder(Ipv4ConnectionCache cache, ushort port, int packets)
            {
                _cache = cache;
                _port = port;
                _packets = packets;
            }

            internal void Run()
            {
                for (int i = 0; i < _packets; i++)
                {
                    _cache.Record(FlowDirection.Out, TransportProtocol.Tcp, 0xC0A80128, _port, 0x0D6B2A10, (ushort)(i & 7), 10);
                }
            }
        }
    }
}
