using System.Diagnostics;

namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>Real monotonic time, for the tests against a real broker.</summary>
    internal sealed class SystemClock : IMonotonicClock
    {
        private readonly Stopwatch _stopwatch = Stopwatch.StartNew();

        public long ElapsedMilliseconds => _stopwatch.ElapsedMilliseconds;
    }
}
