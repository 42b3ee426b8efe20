namespace NanoSecurity.DeviceTests
{
    /// <summary>Deterministic "randomness": bytes count up from 1, Next gives 0 (no jitter).</summary>
    internal sealed class CountingRandom : IRandomSource
    {
        private byte _next = 1;

        public void NextBytes(byte[] buffer)
        {
            lock (this)
            {
                for (int i = 0; i < buffer.Length; i++)
                {
                    buffer[i] = _next++;
                }
            }
        }

        public int Next(int maxExclusive)
        {
            return 0;
        }
    }
}
