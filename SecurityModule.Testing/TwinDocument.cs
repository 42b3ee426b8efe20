using System.Text.Json.Nodes;

namespace NanoSecurity.Testing
{
    /// <summary>
    /// The twin of one identity as <see cref="IotHubRulesBroker"/> keeps it: desired and reported
    /// properties, each with its own "$version", which starts at 1 and counts every change.
    /// Not thread-safe: the broker holds its lock.
    /// </summary>
    internal sealed class TwinDocument
    {
        private readonly JsonObject _reported = new JsonObject();
        private JsonObject _desired = new JsonObject();

        /// <summary>A new twin, with empty reported properties and <paramref name="desired"/> (or none), both at version 1.</summary>
        public TwinDocument(JsonObject? desired = null)
        {
            if (desired != null)
            {
                MergePatch(_desired, desired);
            }
        }

        /// <summary>The "$version" of the desired properties.</summary>
        public int DesiredVersion { get; private set; } = 1;

        /// <summary>The "$version" of the reported properties.</summary>
        public int ReportedVersion { get; private set; } = 1;

        /// <summary>Replaces the desired properties (null members are left out); returns the new version.</summary>
        public int ReplaceDesired(JsonObject desired)
        {
            _desired = new JsonObject();
            MergePatch(_desired, desired);
            return ++DesiredVersion;
        }

        /// <summary>Applies a JSON merge patch to the desired properties; returns the new version.</summary>
        public int PatchDesired(JsonObject patch)
        {
            MergePatch(_desired, patch);
            return ++DesiredVersion;
        }

        /// <summary>Applies a JSON merge patch to the reported properties; returns the new version.</summary>
        public int PatchReported(JsonObject patch)
        {
            MergePatch(_reported, patch);
            return ++ReportedVersion;
        }

        /// <summary>A copy of the desired properties with their "$version".</summary>
        public JsonObject Desired() => WithVersion(_desired, DesiredVersion);

        /// <summary>A copy of the reported properties with their "$version".</summary>
        public JsonObject Reported() => WithVersion(_reported, ReportedVersion);

        /// <summary>The body of a GET answer: {"desired":{…,"$version":n},"reported":{…,"$version":m}}.</summary>
        public JsonObject ToGetResponse() => new JsonObject { ["desired"] = Desired(), ["reported"] = Reported() };

        /// <summary>A copy of <paramref name="properties"/> with "$version" added (property names never hold '$', so it is free).</summary>
        public static JsonObject WithVersion(JsonObject properties, int version)
        {
            var copy = (JsonObject)properties.DeepClone();
            copy["$version"] = version;
            return copy;
        }

        /// <summary>RFC 7386: null deletes a member, an object merges into an object member, anything else replaces.</summary>
        private static void MergePatch(JsonObject target, JsonObject patch)
        {
            foreach ((string name, JsonNode? value) in patch)
            {
                if (value == null)
                {
                    target.Remove(name);
                }
                else if (value is JsonObject patchObject)
                {
                    if (target[name] is not JsonObject targetObject)
                    {
                        // A new or non-object member becomes an object; merging into an empty one drops the patch's nulls.
                        targetObject = new JsonObject();
                        target[name] = targetObject;
                    }

                    MergePatch(targetObject, patchObject);
                }
                else
                {
                    target[name] = value.DeepClone();
                }
            }
        }
    }
}
