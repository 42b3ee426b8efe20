using System;

namespace NanoSecurity.Targets.NanoFramework
{
    /// <summary>
    /// Randomness from <see cref="Random"/>, which on nanoFramework is the target's hardware
    /// generator wherever the firmware has one: the CLR's CLR_RT_Random calls esp_random() on
    /// ESP32 (nanoframework/nf-interpreter targets/ESP32/_nanoCLR/targetRandom.cpp) and the STM32
    /// RNG peripheral or TRNG on ChibiOS targets (targets/ChibiOS/_nanoCLR/targetRandom.cpp). A
    /// target without one falls back to a time-seeded rand() (src/CLR/Core default).
    /// </summary>
    /// <remarks>
    /// ESP-IDF documents esp_random() as true random only while Wi-Fi or Bluetooth is on (or
    /// another entropy source is enabled); the module draws its first value when it starts,
    /// so start it after the network, as the sample does.
    /// </remarks>
    public sealed class HardwareRandomSource : IRandomSource
    {
        private readonly Random _random = new Random();

        /// <inheritdoc/>
        public void NextBytes(byte[] buffer)
        {
            _random.NextBytes(buffer);
        }

        /// <inheritdoc/>
        public int Next(int maxExclusive)
        {
            return _random.Next(maxExclusive);
        }
    }
}
