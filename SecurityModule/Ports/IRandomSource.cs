namespace NanoSecurity
{
    /// <summary>
    /// Randomness for event ids and for the first collection offset. On a device it should
    /// come from the hardware generator, so that ids differ across reboots.
    /// </summary>
    public interface IRandomSource
    {
        /// <summary>Fills <paramref name="buffer"/> with random bytes.</summary>
        /// <param name="buffer">The buffer to fill.</param>
        void NextBytes(byte[] buffer);

        /// <summary>Returns a random number in [0, <paramref name="maxExclusive"/>).</summary>
        /// <param name="maxExclusive">Upper bound, exclusive; greater than 0.</param>
        /// <returns>The number.</returns>
        int Next(int maxExclusive);
    }
}
