namespace NanoSecurity.Tests
{
    /// <summary>
    /// Randomness that records every reconnect-backoff draw (a bound of a whole number of
    /// seconds plus one, as the session asks for [0, ceiling]) and returns a fixed fraction of
    /// it, so that a test sees the schedule exactly and waits only a fraction of it.
    /// </summary>
    internal sealed class BackoffRecordingRandom : IRandomSource
    {
        private readonly object _gate = new object();
        private readonly List<int> _ceilings = new List<int>();
        private readonly Random _bytes = new Random(7);
        private readonly int _divisor;

        /// <param name="divisor">Each backoff draw returns its ceiling divided by this.</param>
        public BackoffRecordingRandom(int divisor) => _divisor = divisor;

        public int[] Ceilings
        {
            get
            {
                lock (_gate)
                {
                    return _ceilings.ToArray();
                }
            }
        }

        public void NextBytes(byte[] buffer)
        {
            lock (_gate)
            {
                _bytes.NextBytes(buffer);
            }
        }

        public int Next(int maxExclusive)
        {
            lock (_gate)
            {
                int ceiling = maxExclusive - 1;
                if (ceiling <= 0 || ceiling % 1000 != 0)
                {
                    // The engine's first-collection offset (30,000 by default) is not a backoff draw.
                    return 0;
                }

                _ceilings.Add(ceiling);
                return ceiling / _divisor;
            }
        }
    }
}
