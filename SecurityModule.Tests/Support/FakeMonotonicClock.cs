namespace NanoSecurity.Tests
{
    /// <summary>A monotonic clock the test moves by hand.</summary>
    internal sealed class FakeMonotonicClock : IMonotonicClock
    {
        public long ElapsedMilliseconds { get; set; }

        public void Advance(long milliseconds) => ElapsedMilliseconds += milliseconds;

        public void AdvanceSeconds(double seconds) => ElapsedMilliseconds += (long)(seconds * 1000);
    }
}
