using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace NanoSecurity.HostEmulator
{
    /// <summary>One flow of a ConnectionCreate event.</summary>
    internal sealed record Flow(
        string Protocol, string Direction, string LocalAddress, string LocalPort, string RemoteAddress, string RemotePort,
        long BytesIn, long BytesOut, long Hits)
    {
        /// <summary>"local → remote" with IPv6 addresses in brackets.</summary>
        public string Endpoints => Endpoint(LocalAddress, LocalPort) + " → " + Endpoint(RemoteAddress, RemotePort);

        private static string Endpoint(string address, string port) =>
            (address.Contains(':', StringComparison.Ordinal) ? "[" + address + "]" : address) + ":" + port;
    }

    /// <summary>One event of a security message, as the views show it.</summary>
    internal sealed class DecodedEvent
    {
        /// <summary>The schema's Name, e.g. "ConnectionCreate".</summary>
        public string Name { get; init; } = "?";

        /// <summary>Periodic or Triggered.</summary>
        public string Category { get; init; } = "?";

        /// <summary>IsEmpty: an empty Periodic SystemInformation is the heartbeat.</summary>
        public bool IsEmpty { get; init; }

        /// <summary>Payload items.</summary>
        public int Count { get; init; }

        /// <summary>The flows, for ConnectionCreate.</summary>
        public IReadOnlyList<Flow> Flows { get; init; } = Array.Empty<Flow>();

        /// <summary>A short text of the payload, for the other events.</summary>
        public string Details { get; init; } = string.Empty;

        /// <summary>Name as counted in summaries: empty events apart, the heartbeat named.</summary>
        public string DisplayName => IsEmpty
            ? (Name == "SystemInformation" ? "Heartbeat (empty SystemInformation)" : Name + " (empty)")
            : Name;
    }

    /// <summary>A security message the module wrote, validated and decoded.</summary>
    internal sealed class DecodedMessage
    {
        /// <summary>IoT Hub bills device-to-cloud messages in blocks of 4 KB.</summary>
        public const int BillingBlock = 4096;

        /// <summary>1, 2, …: the order the module wrote them in (and the --json-out file name).</summary>
        public int Sequence { get; init; }

        /// <summary>When the module wrote it (local time).</summary>
        public DateTime At { get; init; }

        /// <summary>The body, as written.</summary>
        public byte[] Body { get; init; } = Array.Empty<byte>();

        /// <summary>Size of the body in bytes.</summary>
        public int Size => Body.Length;

        /// <summary>Billed 4 KB units: ceil(size / 4096).</summary>
        public int BilledUnits => (Size + BillingBlock - 1) / BillingBlock;

        /// <summary>Whether SecurityMessageValidator accepted it.</summary>
        public bool Valid { get; init; }

        /// <summary>What the validator found wrong; empty when valid.</summary>
        public string Errors { get; init; } = string.Empty;

        /// <summary>Its events, in order; empty when the body is not JSON.</summary>
        public IReadOnlyList<DecodedEvent> Events { get; init; } = Array.Empty<DecodedEvent>();

        /// <summary>Flows over all its ConnectionCreate events.</summary>
        public int FlowCount => Events.Sum(e => e.Flows.Count);

        /// <summary>"ConnectionCreate ×3, ListeningPorts ×5, …" (items per event).</summary>
        public string EventSummary => Events.Count == 0
            ? "(not decodable)"
            : string.Join(", ", Events.Select(e => e.IsEmpty ? e.DisplayName : e.DisplayName + " ×" + e.Count.ToString(CultureInfo.InvariantCulture)));

        /// <summary>Reads the events of a body; tolerant, since an invalid message is shown too.</summary>
        public static IReadOnlyList<DecodedEvent> DecodeEvents(byte[] body)
        {
            var events = new List<DecodedEvent>();
            try
            {
                using JsonDocument document = JsonDocument.Parse(body);
                if (!document.RootElement.TryGetProperty("Events", out JsonElement array) || array.ValueKind != JsonValueKind.Array)
                {
                    return events;
                }

                foreach (JsonElement evt in array.EnumerateArray())
                {
                    events.Add(DecodeEvent(evt));
                }
            }
            catch (JsonException)
            {
                // Shown as not decodable; the validator says why.
            }

            return events;
        }

        private static DecodedEvent DecodeEvent(JsonElement evt)
        {
            string name = Text(evt, "Name") ?? "?";
            JsonElement payload = evt.TryGetProperty("Payload", out JsonElement p) && p.ValueKind == JsonValueKind.Array ? p : default;
            int count = payload.ValueKind == JsonValueKind.Array ? payload.GetArrayLength() : 0;
            var flows = new List<Flow>();
            string details = string.Empty;
            if (payload.ValueKind == JsonValueKind.Array)
            {
                if (name == "ConnectionCreate")
                {
                    foreach (JsonElement item in payload.EnumerateArray())
                    {
                        flows.Add(DecodeFlow(item));
                    }
                }
                else
                {
                    details = Describe(name, payload);
                }
            }

            return new DecodedEvent
            {
                Name = name,
                Category = Text(evt, "Category") ?? "?",
                IsEmpty = evt.TryGetProperty("IsEmpty", out JsonElement empty) && empty.ValueKind == JsonValueKind.True,
                Count = count,
                Flows = flows,
                Details = details,
            };
        }

        private static Flow DecodeFlow(JsonElement item)
        {
            JsonElement extra = item.TryGetProperty("ExtraDetails", out JsonElement e) && e.ValueKind == JsonValueKind.Object ? e : default;
            return new Flow(
                Text(item, "Protocol") ?? "?",
                Text(item, "Direction") ?? "?",
                Text(item, "LocalAddress") ?? "?",
                Text(item, "LocalPort") ?? "?",
                Text(item, "RemoteAddress") ?? "?",
                Text(item, "RemotePort") ?? "?",
                Number(extra, "BytesIn"),
                Number(extra, "BytesOut"),
                Number(extra, "HitCount"));
        }

        private static string Describe(string name, JsonElement payload)
        {
            switch (name)
            {
                case "ListeningPorts":
                    return string.Join(", ", payload.EnumerateArray().Take(6).Select(item =>
                        (Text(item, "Protocol") ?? "?") + " " + (Text(item, "LocalAddress") ?? "?") + ":" + (Text(item, "LocalPort") ?? "?")))
                        + (payload.GetArrayLength() > 6 ? ", …" : string.Empty);
                case "SystemInformation":
                    if (payload.GetArrayLength() == 0)
                    {
                        return string.Empty;
                    }

                    JsonElement info = payload[0];
                    return string.Join(", ", new[] { Text(info, "OSName"), Text(info, "OSVersion"), Text(info, "OsArchitecture"), Text(info, "HostName") }
                        .Where(s => !string.IsNullOrEmpty(s)));
                default:
                    // Operational statistics and anything else: the scalar fields of each item.
                    return string.Join("; ", payload.EnumerateArray().Select(Scalars));
            }
        }

        private static string Scalars(JsonElement item)
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                return item.ToString();
            }

            var text = new StringBuilder();
            foreach (JsonProperty property in item.EnumerateObject())
            {
                if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    continue;
                }

                if (text.Length > 0)
                {
                    text.Append(' ');
                }

                text.Append(property.Name).Append('=').Append(property.Value.ToString());
            }

            return text.ToString();
        }

        private static string? Text(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value)
                ? (value.ValueKind == JsonValueKind.String ? value.GetString() : value.ToString())
                : null;

        private static long Number(JsonElement element, string name)
        {
            string? text = Text(element, name);
            return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value : 0;
        }
    }
}
