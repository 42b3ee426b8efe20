using System;

namespace NanoSecurity
{
    /// <summary>
    /// The default <see cref="IRandomSource"/>, over System.Random. On nanoFramework that is the
    /// target's hardware generator wherever the firmware has one: CLR_RT_Random calls esp_random()
    /// on ESP32 (nf-interpreter targets/ESP32/_nanoCLR/targetRandom.cpp) and the STM32 RNG or TRNG
    /// on ChibiOS targets (targets/ChibiOS/_nanoCLR/targetRandom.cpp); others fall back to a
    /// time-seeded rand(). ESP-IDF's esp_random() is truly random only while Wi-Fi or Bluetooth is
    /// on, so start the module after the network.
    /// </summary>
    /// <remarks>System.Random is not safe for concurrent use, and the collection thread and the
    /// IoT Hub session thread both draw from this one: every call holds its lock.</remarks>
    internal sealed class SystemRandomSource : IRandomSource
    {
        private readonly Random _random = new Random();
        private readonly object _sync = new object();

        public void NextBytes(byte[] buffer)
        {
            lock (_sync)
            {
                _random.NextBytes(buffer);
            }
        }

        public int Next(int maxExclusive)
        {
            lock (_sync)
            {
                return _random.Next(maxExclusive);
            }
        }
    }
}
