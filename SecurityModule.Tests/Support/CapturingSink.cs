using System.Text;
using System.Text.Json;

namespace NanoSecurity.Tests
{
    /// <summary>Keeps a copy of every message it is handed; can be told to refuse.</summary>
    internal sealed class CapturingSink : ISecurityMessageSink
    {
        private readonly object _sync = new object();
        private readonly List<byte[]> _messages = new List<byte[]>();

        public bool Refuse { get; set; }

        public int Refused { get; private set; }

        public bool TryAccept(byte[] body, int length)
        {
            lock (_sync)
            {
                if (Refuse)
                {
                    Refused++;
                    return false;
                }

                _messages.Add(body.AsSpan(0, length).ToArray());
                Monitor.PulseAll(_sync);
                return true;
            }
        }

        public IReadOnlyList<byte[]> Messages
        {
            get
            {
                lock (_sync)
                {
                    return _messages.ToArray();
                }
            }
        }

        public IReadOnlyList<string> Texts => Messages.Select(m => Encoding.UTF8.GetString(m)).ToArray();

        /// <summary>Every event of every message, parsed.</summary>
        public IReadOnlyList<JsonElement> Events =>
            Messages.SelectMany(m => JsonDocument.Parse(m).RootElement.GetProperty("Events").EnumerateArray()).ToArray();

        public void Clear()
        {
            lock (_sync)
            {
                _messages.Clear();
            }
        }

        /// <summary>Waits until at least <paramref name="count"/> messages arrived, or the timeout passed.</summary>
        public bool WaitFor(int count, TimeSpan timeout)
        {
            DateTime end = DateTime.UtcNow + timeout;
            lock (_sync)
            {
                while (_messages.Count < count)
                {
                    TimeSpan left = end - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                    {
                        return false;
                    }

                    Monitor.Wait(_sync, left);
                }

                return true;
            }
        }
    }
}
