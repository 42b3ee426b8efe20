using System;
using System.Collections;
using System.Threading;

namespace NanoSecurity.DeviceTests
{
    /// <summary>Keeps a copy of every message body, for any thread, and lets a check wait for them.</summary>
    internal sealed class CapturingSink : ISecurityMessageSink
    {
        private readonly ArrayList _messages = new ArrayList();
        private readonly AutoResetEvent _arrived = new AutoResetEvent(false);

        public bool TryAccept(byte[] body, int length)
        {
            var copy = new byte[length];
            Array.Copy(body, copy, length);
            lock (_messages)
            {
                _messages.Add(copy);
            }

            _arrived.Set();
            return true;
        }

        internal int Count
        {
            get { lock (_messages) { return _messages.Count; } }
        }

        internal byte[] Message(int index)
        {
            lock (_messages)
            {
                return (byte[])_messages[index];
            }
        }

        /// <summary>Waits until <paramref name="count"/> messages arrived or about <paramref name="timeoutMs"/> passed.</summary>
        internal bool WaitFor(int count, int timeoutMs)
        {
            long end = DateTime.UtcNow.Ticks + timeoutMs * TimeSpan.TicksPerMillisecond;
            while (Count < count)
            {
                long left = (end - DateTime.UtcNow.Ticks) / TimeSpan.TicksPerMillisecond;
                if (left <= 0)
                {
                    return false;
                }

                _arrived.WaitOne((int)left, false);
            }

            return true;
        }
    }
}
