using System.Text;
using System.Text.Json;
using Xunit;

namespace NanoSecurity.Tests
{
    /// <summary>
    /// Keeps a copy of every message it is handed, and checks each against Microsoft's schema
    /// as it arrives; reading the messages fails the test if any was invalid. Can be told to refuse.
    /// </summary>
    internal sealed class CapturingSink : ISecurityMessageSink
    {
        private readonly object _sync = new object();
        private readonly List<byte[]> _messages = new List<byte[]>();
        private readonly List<string> _invalid = new List<string>();

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

                byte[] copy = body.AsSpan(0, length).ToArray();
                try
                {
                    SecurityMessageSchema.AssertValid(copy, copy.Length);
                }
                catch (Exception e)
                {
                    // The module swallows sink exceptions by design, so keep the failure for the test.
                    _invalid.Add(e.Message);
                }

                _messages.Add(copy);
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
                    Assert.True(_invalid.Count == 0, "invalid security message: " + string.Join("\n", _invalid));
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
