namespace NanoSecurity
{
    /// <summary>
    /// IoT Hub's MQTT topics for the twin: the two subscriptions, the GET and reported-PATCH
    /// requests (each with a request id, <c>$rid</c>), and the parsing of the answers
    /// <c>$iothub/twin/res/{status}/?$rid={rid}[&amp;$version={v}]</c>.
    /// </summary>
    internal static class TwinTopics
    {
        /// <summary>Answers to GET and reported PATCH requests.</summary>
        internal const string ResponseFilter = "$iothub/twin/res/#";

        /// <summary>Desired-property patches the hub pushes while connected.</summary>
        internal const string DesiredFilter = "$iothub/twin/PATCH/properties/desired/#";

        /// <summary>Start of a desired patch's topic, which ends with <c>?$version={v}</c>.</summary>
        internal const string DesiredPrefix = "$iothub/twin/PATCH/properties/desired/";

        private const string ResponsePrefix = "$iothub/twin/res/";
        private const string RidParameter = "$rid=";

        /// <summary>Topic of a request for the whole twin.</summary>
        internal static string Get(int rid)
        {
            return "$iothub/twin/GET/?$rid=" + rid.ToString();
        }

        /// <summary>Topic of a reported-properties patch.</summary>
        internal static string ReportedPatch(int rid)
        {
            return "$iothub/twin/PATCH/properties/reported/?$rid=" + rid.ToString();
        }

        /// <summary>True for the topic of a desired-properties patch.</summary>
        internal static bool IsDesiredPatch(string topic)
        {
            return topic.StartsWith(DesiredPrefix);
        }

        /// <summary>Reads the status and request id of an answer's topic.</summary>
        /// <param name="topic">A topic the client received.</param>
        /// <param name="status">The HTTP-like status, e.g. 200, 204, 400, 429.</param>
        /// <param name="rid">The request id it answers.</param>
        /// <returns>False when the topic is not a twin answer with a numeric status and request id.</returns>
        internal static bool TryParseResponse(string topic, out int status, out int rid)
        {
            status = 0;
            rid = 0;
            if (!topic.StartsWith(ResponsePrefix))
            {
                return false;
            }

            int slash = topic.IndexOf('/', ResponsePrefix.Length);
            int query = topic.IndexOf('?', ResponsePrefix.Length);
            if (slash < 0 || query != slash + 1
                || !TryParseNumber(topic, ResponsePrefix.Length, slash, out status))
            {
                return false;
            }

            // Parameters are "name=value" joined by '&'; $rid is one of them, in any place.
            int start = query + 1;
            while (start < topic.Length)
            {
                int end = topic.IndexOf('&', start);
                if (end < 0)
                {
                    end = topic.Length;
                }

                if (end - start > RidParameter.Length
                    && string.Compare(topic.Substring(start, RidParameter.Length), RidParameter) == 0)
                {
                    return TryParseNumber(topic, start + RidParameter.Length, end, out rid);
                }

                start = end + 1;
            }

            return false;
        }

        private static bool TryParseNumber(string text, int start, int end, out int value)
        {
            value = 0;

            // Nine digits always fit an int.
            if (end <= start || end - start > 9)
            {
                return false;
            }

            for (int i = start; i < end; i++)
            {
                char c = text[i];
                if (c < '0' || c > '9')
                {
                    return false;
                }

                value = value * 10 + (c - '0');
            }

            return true;
        }
    }
}
