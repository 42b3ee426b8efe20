using System;

namespace NanoSecurity.DeviceTests
{
    /// <summary>A SecurityModule on fake ports: fixed UTC, counting randomness, fixed system facts, a capturing sink.</summary>
    internal sealed class DeviceModule
    {
        internal static readonly DateTime Epoch = new DateTime(2026, 11, 25, 12, 0, 0);

        internal DeviceModule(IMonotonicClock clock)
        {
            Sink = new CapturingSink();
            Module = new SecurityModule(new SecurityModuleOptions
            {
                MonotonicClock = clock,
                UtcClock = new FixedUtcClock(clock, Epoch, 60),
                Random = new CountingRandom(),
                MessageSink = Sink,
                DeviceId = "device-01",
#if ASC_COLLECTOR_SYSTEM_INFORMATION_ENABLED
                SystemInformation = new FixedSystemInformation(),
#endif
#if ASC_COLLECTOR_LISTENING_PORTS_ENABLED
                ListeningPorts = new FixedListeningPorts(),
#endif
            });

            // Every collection is sent at once, and flows are not aggregated: one message per tick that collects.
            AgentConfiguration configuration = AgentConfiguration.Defaults();
            configuration.HighPriorityMessageFrequency = 0;
            configuration.LowPriorityMessageFrequency = 0;
            configuration.SnapshotFrequency = 0;
            configuration.AggregationEnabledConnectionCreate = false;
            Module.Twin.UseDefaults(configuration);
        }

        internal SecurityModule Module { get; }

        internal CapturingSink Sink { get; }

        internal CollectionEngine Engine => Module.Engine;

        /// <summary>The UTF-8 of <paramref name="text"/> (MQTT's encoder: surrogate pairs read through ToCharArray).</summary>
        internal static byte[] Utf8(string text)
        {
            var bytes = new byte[MqttUtf8.GetByteCount(text)];
            MqttUtf8.Write(text, bytes, 0);
            return bytes;
        }

        /// <summary>UTF-8 bytes back to a string, for comparing a message with the text expected.</summary>
        internal static string Text(byte[] utf8)
        {
            var chars = new char[utf8.Length];
            int count = MqttUtf8.Decode(utf8, 0, utf8.Length, chars);
            return new string(chars, 0, count);
        }
    }
}
