using System.Text.Json;

namespace NanoSecurity.Tests.Detections
{
    internal static class DetectionTestSupport
    {
        public const uint Local = 0xC0A80114;          // 192.168.1.20
        public const uint Denied = 0xCB007107;         // 203.0.113.7
        public const uint Elsewhere = 0x08080808;      // 8.8.8.8

        public static DetectionSettings Rules(Action<DetectionSettings> set)
        {
            DetectionSettings settings = DetectionSettings.Defaults();
            set(settings);
            return settings;
        }

        public static void Deny(DetectionSettings s, params string[] ranges)
        {
            foreach (string r in ranges)
            {
                CidrRangeTests.Add(s.DeniedRemoteAddresses, r);
            }
        }

        public static void Allow(DetectionSettings s, params string[] ranges)
        {
            foreach (string r in ranges)
            {
                CidrRangeTests.Add(s.AllowedRemoteAddresses, r);
            }
        }

        public static ModuleHarness Started(DetectionSettings rules, AgentConfiguration configuration = null, IListeningPortsSource listening = null)
        {
            var h = new ModuleHarness(listeningPorts: listening, configuration: configuration);
            h.StartEngine();
            h.RunFirstCollection();
            h.Sink.Clear();

            // After the first collection, so that its snapshot and flow count start no rate limit.
            h.Module.Detector.Configure(rules);
            return h;
        }

        /// <summary>Every Diagnostic payload item sent, in order; every message checked against Microsoft's schema.</summary>
        public static List<JsonElement> DiagnosticItems(CapturingSink sink)
        {
            foreach (byte[] m in sink.Messages)
            {
                SecurityMessageSchema.AssertValid(m, m.Length);
            }

            return sink.Events.Where(e => e.GetProperty("Name").GetString() == "Diagnostic")
                .SelectMany(e => e.GetProperty("Payload").EnumerateArray()).ToList();
        }

        public static string Detail(JsonElement item, string name) => item.GetProperty("ExtraDetails").GetProperty(name).GetString();
    }
}
