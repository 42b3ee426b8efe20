using System;

namespace NanoSecurity
{
    /// <summary>
    /// The default <see cref="IRandomSource"/>, over System.Random. On nanoFramework,
    /// System.Random is seeded from the hardware generator where the target has one.
    /// </summary>
    internal sealed class SystemRandomSource : IRandomSource
    {
        private readonly Random _random = new Random();

        public void NextBytes(byte[] buffer)
        {
            _random.NextBytes(buffer);
        }

        public int Next(int maxExclusive)
        {
            return _random.Next(maxExclusive);
        }
    }
}
