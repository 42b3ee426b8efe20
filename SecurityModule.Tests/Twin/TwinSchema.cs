using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Xunit;

namespace NanoSecurity.Tests.Twin
{
    /// <summary>
    /// Microsoft's module twin schema (azureiotsecurity_schema.json and its definitions, copied
    /// unmodified under DefenderSchemas/security_module_twin), built once with JsonSchema.Net.
    /// </summary>
    /// <remarks>
    /// The schema is rooted at the twin's properties, <c>{"desired": {"ms_iotn:…": {…}}}</c>
    /// with <c>desired</c> required, and constrains only the types and patterns of the
    /// properties it declares: it has no <c>additionalProperties: false</c> and does not require
    /// <c>value</c>. So a reported document, which has the desired section's shape, is checked
    /// placed under <c>desired</c>, and <see cref="AssertValidReported"/> adds what the schema
    /// leaves out: every property is one the schema declares, and is exactly <c>{"value": …}</c>.
    /// </remarks>
    internal static class TwinSchema
    {
        private static readonly Uri BaseUri = new Uri("https://nanosecurity.test/security_module_twin/");

        private static readonly string Folder =
            Path.Combine(AppContext.BaseDirectory, "DefenderSchemas", "security_module_twin");

        private static readonly EvaluationOptions Evaluation = new EvaluationOptions
        {
            OutputFormat = OutputFormat.List,
            RequireFormatValidation = true,
        };

        private static readonly JsonSchema Root = Build();

        /// <summary>The names of the configuration properties the schema declares.</summary>
        internal static readonly IReadOnlySet<string> DeclaredProperties = ReadDeclaredProperties();

        /// <summary>The schema's TimeConfiguration pattern, as written.</summary>
        internal static readonly string DurationPattern = ReadFile("azureiotsecurity_schema_definitions.json")
            ["definitions"]["TimeConfiguration"]["properties"]["value"]["pattern"].GetValue<string>();

        /// <summary>Microsoft's azureiotsecurity_default.json.</summary>
        internal static JsonNode DefaultTwin => ReadFile("azureiotsecurity_default.json");

        /// <summary>
        /// Asserts that <paramref name="reported"/> is strict JSON, that it validates against the
        /// schema when placed under <c>desired</c>, that its only member is the configuration
        /// object, and that every property in it is declared by the schema and is exactly
        /// <c>{"value": …}</c>.
        /// </summary>
        /// <param name="reported">The document.</param>
        /// <param name="complete">
        /// True for what the module reports, where nanoSecurity's detection object holds every one of
        /// its properties; false for a desired document of the same shape (the example twin file).
        /// </param>
        internal static void AssertValidReported(string reported, bool complete = true)
        {
            JsonNode document;
            try
            {
                using (JsonDocument.Parse(reported, new JsonDocumentOptions { AllowDuplicateProperties = false }))
                {
                }

                document = JsonNode.Parse(reported);
            }
            catch (JsonException e)
            {
                Assert.Fail("The reported document is not valid JSON: " + e.Message + "\n" + reported);
                return;
            }

            var errors = new StringBuilder();
            JsonObject root = document as JsonObject;
            // Beside Microsoft's object only nanoSecurity's own, checked against its own schema.
            JsonNode detections = null;
            int expected = root != null && root.TryGetPropertyValue(DetectionConfigurationParser.ObjectName, out detections) ? 2 : 1;
            if (root == null || root.Count != expected || !(root[TwinConfigurationParser.ObjectName] is JsonObject configuration))
            {
                Assert.Fail("The reported document is not {\"" + TwinConfigurationParser.ObjectName + "\": {…}}:\n" + reported);
                return;
            }

            if (detections != null)
            {
                DetectionSchema.AssertValidReported(detections, reported, complete);
            }

            foreach (KeyValuePair<string, JsonNode> property in configuration)
            {
                if (!DeclaredProperties.Contains(property.Key))
                {
                    errors.Append(property.Key).Append(": not declared by the schema\n");
                }

                if (!(property.Value is JsonObject wrapper) || wrapper.Count != 1 || !wrapper.ContainsKey("value"))
                {
                    errors.Append(property.Key).Append(": not exactly {\"value\": …}\n");
                }
            }

            var twin = new JsonObject { ["desired"] = new JsonObject { [TwinConfigurationParser.ObjectName] = configuration.DeepClone() } };
            EvaluationResults results = Root.Evaluate(JsonDocument.Parse(twin.ToJsonString()).RootElement, Evaluation);
            if (!results.IsValid)
            {
                foreach (EvaluationResults detail in results.Details ?? new List<EvaluationResults>())
                {
                    if (detail.Errors != null)
                    {
                        foreach (KeyValuePair<string, string> error in detail.Errors)
                        {
                            errors.Append(detail.InstanceLocation).Append(": ").Append(error.Key).Append(": ").Append(error.Value).Append('\n');
                        }
                    }
                }

                if (errors.Length == 0)
                {
                    errors.Append("invalid, no details\n");
                }
            }

            if (errors.Length != 0)
            {
                Assert.Fail("The reported document is invalid:\n" + errors + reported);
            }
        }

        /// <summary>Whether the twin schema accepts <paramref name="twin"/> (a whole twin-properties document).</summary>
        internal static bool IsValidTwin(string twin)
        {
            return Root.Evaluate(JsonDocument.Parse(twin).RootElement, Evaluation).IsValid;
        }

        private static JsonNode ReadFile(string file)
        {
            return JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, file)));
        }

        private static IReadOnlySet<string> ReadDeclaredProperties()
        {
            JsonObject properties = ReadFile("azureiotsecurity_schema.json")
                ["properties"]["desired"]["properties"][TwinConfigurationParser.ObjectName]["properties"].AsObject();
            return new HashSet<string>(properties.Select(p => p.Key), StringComparer.Ordinal);
        }

        private static JsonSchema Build()
        {
            var options = new BuildOptions
            {
                Dialect = Dialect.Draft07,
                SchemaRegistry = new SchemaRegistry(),
            };

            // A $ref is resolved when the schema holding it is built, so its target goes in first.
            Load("azureiotsecurity_schema_definitions.json", options);
            return Load("azureiotsecurity_schema.json", options);
        }

        private static JsonSchema Load(string file, BuildOptions options)
        {
            return JsonSchema.FromText(File.ReadAllText(Path.Combine(Folder, file)), options, new Uri(BaseUri, file));
        }
    }
}
