namespace NanoSecurity.Tests
{
    /// <summary>
    /// The real wall clock, except that its first reads on every thread but the creator's throw,
    /// as a broken RTC or SNTP port might: each of the module's own threads meets the failure.
    /// </summary>
    internal sealed class ThrowingUtcClock : IUtcClock
    {
        private readonly int _creator = Environment.CurrentManagedThreadId;
        private readonly ThreadLocal<int> _reads = new ThreadLocal<int>();
        private readonly int _failuresPerThread;

        public ThrowingUtcClock(int failuresPerThread) => _failuresPerThread = failuresPerThread;

        public int UtcOffsetMinutes => 0;

        public bool TryGetUtcNow(out DateTime utcNow)
        {
            if (Environment.CurrentManagedThreadId != _creator && _reads.Value++ < _failuresPerThread)
            {
                throw new InvalidOperationException("RTC not readable");
            }

            utcNow = DateTime.UtcNow;
            return true;
        }
    }
}
