using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Xunit;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>
    /// The draft-07 schema of <c>nanoSecurity:DetectionConfiguration</c>
    /// (SecurityModule.Testing/DetectionSchema), built once with JsonSchema.Net.
    /// </summary>
    internal static class DetectionSchema
    {
        internal static readonly string File =
            Path.Combine(AppContext.BaseDirectory, "DetectionSchema", "detection_configuration_schema.json");

        /// <summary>Every property the module reports.</summary>
        internal static readonly string[] Properties =
        {
            "enabled", "deniedRemoteAddresses", "allowedRemoteAddresses", "expectedListeningPorts",
            "activeConnectionsMin", "activeConnectionsMax", "portScanDistinctPorts", "portScanWindow",
        };

        private static readonly JsonSchema Schema = JsonSchema.FromText(
            System.IO.File.ReadAllText(File),
            new BuildOptions { Dialect = Dialect.Draft07, SchemaRegistry = new SchemaRegistry() });

        private static readonly EvaluationOptions Evaluation = new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

        /// <summary>Whether the schema accepts <paramref name="json"/> (a desired or reported object).</summary>
        internal static bool IsValid(string json, out string errors)
        {
            EvaluationResults results = Schema.Evaluate(JsonDocument.Parse(json).RootElement, Evaluation);
            var text = new StringBuilder();
            foreach (EvaluationResults detail in results.Details ?? new List<EvaluationResults>())
            {
                foreach (KeyValuePair<string, string> error in detail.Errors ?? new Dictionary<string, string>())
                {
                    text.Append(detail.InstanceLocation).Append(": ").Append(error.Key).Append(": ").Append(error.Value).Append('\n');
                }
            }

            errors = text.ToString();
            return results.IsValid;
        }

        /// <summary>A reported object: valid against the schema, every property present, none null.</summary>
        internal static void AssertValidReported(JsonNode detections, string document, bool complete = true)
        {
            if (!IsValid(detections.ToJsonString(), out string errors))
            {
                Assert.Fail("The reported detection configuration is invalid:\n" + errors + document);
            }

            if (!complete)
            {
                return;
            }

            JsonObject properties = detections.AsObject();
            Assert.Equal(Properties.OrderBy(p => p), properties.Select(p => p.Key).OrderBy(p => p));
            Assert.All(properties, p => Assert.NotNull(p.Value?["value"]));
        }
    }
}
