namespace NanoSecurity.Tests
{
    /// <summary>Deterministic randomness; <see cref="NextOverride"/> pins the first-collection offset.</summary>
    internal sealed class SeededRandomSource : IRandomSource
    {
        private readonly Random _random;

        public SeededRandomSource(int seed = 42) => _random = new Random(seed);

        /// <summary>When set, Next returns this (clamped below maxExclusive).</summary>
        public int? NextOverride { get; set; }

        public int LastMaxExclusive { get; private set; }

        public void NextBytes(byte[] buffer) => _random.NextBytes(buffer);

        public int Next(int maxExclusive)
        {
            LastMaxExclusive = maxExclusive;
            return NextOverride.HasValue ? Math.Min(NextOverride.Value, maxExclusive - 1) : _random.Next(maxExclusive);
        }
    }
}
