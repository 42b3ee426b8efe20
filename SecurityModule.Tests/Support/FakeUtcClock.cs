namespace NanoSecurity.Tests
{
    /// <summary>A wall clock that may not be set yet; it follows the monotonic clock once set.</summary>
    internal sealed class FakeUtcClock : IUtcClock
    {
        private readonly FakeMonotonicClock _monotonic;
        private DateTime? _utcAtZero;

        public FakeUtcClock(FakeMonotonicClock monotonic, DateTime? utcAtMonotonicZero = null)
        {
            _monotonic = monotonic;
            _utcAtZero = utcAtMonotonicZero;
        }

        public int UtcOffsetMinutes { get; set; }

        /// <summary>Makes the clock valid, as SNTP would, so that now reads <paramref name="utcNow"/>.</summary>
        public void Set(DateTime utcNow) => _utcAtZero = utcNow.AddMilliseconds(-_monotonic.ElapsedMilliseconds);

        public void Invalidate() => _utcAtZero = null;

        public bool TryGetUtcNow(out DateTime utcNow)
        {
            if (_utcAtZero == null)
            {
                utcNow = default;
                return false;
            }

            utcNow = _utcAtZero.Value.AddMilliseconds(_monotonic.ElapsedMilliseconds);
            return true;
        }
    }
}
