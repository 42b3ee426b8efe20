using System;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace NanoSecurity.Host
{
    /// <summary>
    /// One open connection of a <see cref="TlsNetworkChannel"/>: the socket, the stream over it
    /// (SslStream or the plain NetworkStream), and the read-with-timeout machinery.
    /// </summary>
    /// <remarks>
    /// Why reads work this way: a timed-out synchronous read on SslStream (ReadTimeout) may have
    /// consumed part of a TLS record, after which the stream is unusable; Socket.Poll is no good
    /// either, because SslStream may hold decrypted bytes the socket no longer shows, and socket
    /// bytes may be TLS records with no application data (a TLS 1.3 session ticket), on which a
    /// read would block. So one asynchronous read into a private buffer is kept pending across
    /// Read calls: a call waits for it at most the timeout and, if it has not completed, returns 0
    /// and leaves it running; the next call waits for the same read. No read is ever abandoned,
    /// and the caller's buffer is never written after the call returned.
    /// </remarks>
    internal sealed class ChannelConnection : IDisposable
    {
        // One TLS record carries at most 16 KiB of plaintext, so one read returns at most that.
        private const int ReceiveBufferSize = 16 * 1024;

        // How long Close waits for the TLS close_notify to be written.
        private const int CloseNotifyMilliseconds = 250;

        private readonly TcpClient _tcp;
        private readonly Stream _stream;
        private readonly string _peer;
        private readonly byte[] _received = new byte[ReceiveBufferSize];
        private readonly object _readLock = new object();
        private readonly object _writeLock = new object();

        // Guarded by _readLock.
        private Task<int>? _pendingRead;
        private int _receivedOffset;
        private int _receivedCount;

        private volatile bool _closed;

        /// <summary>Takes ownership of an open socket and the stream over it.</summary>
        /// <param name="tcp">The connected socket.</param>
        /// <param name="stream">The authenticated SslStream, or the NetworkStream for plain TCP.</param>
        /// <param name="peer">"host:port", for error messages.</param>
        public ChannelConnection(TcpClient tcp, Stream stream, string peer)
        {
            _tcp = tcp;
            _stream = stream;
            _peer = peer;
        }

        /// <summary>Whether the connection is still open (not closed locally, no failure seen).</summary>
        public bool IsOpen => !_closed;

        /// <summary>See <see cref="INetworkChannel.Read"/>.</summary>
        public int Read(byte[] buffer, int offset, int count, int timeoutMilliseconds)
        {
            lock (_readLock)
            {
                if (_receivedCount == 0)
                {
                    if (_closed)
                    {
                        throw new IOException($"The connection to {_peer} is closed.");
                    }

                    // Either a new read, or the one an earlier call left pending when it timed out.
                    Task<int> read = _pendingRead ??= StartRead();
                    if (!WaitFor(read, timeoutMilliseconds))
                    {
                        return 0;
                    }

                    _pendingRead = null;
                    int received = Complete(read);
                    _receivedOffset = 0;
                    _receivedCount = received;
                }

                int taken = Math.Min(count, _receivedCount);
                Buffer.BlockCopy(_received, _receivedOffset, buffer, offset, taken);
                _receivedOffset += taken;
                _receivedCount -= taken;
                return taken;
            }
        }

        /// <summary>See <see cref="INetworkChannel.Write"/>.</summary>
        public void Write(byte[] buffer, int offset, int count)
        {
            // SslStream allows one write alongside one read, not two writes at once.
            lock (_writeLock)
            {
                if (_closed)
                {
                    throw new IOException($"The connection to {_peer} is closed.");
                }

                try
                {
                    _stream.Write(buffer, offset, count);
                    _stream.Flush();
                }
                catch (Exception e)
                {
                    bool closedHere = _closed;
                    _closed = true;
                    throw new IOException(
                        closedHere
                            ? $"The connection to {_peer} is closed."
                            : $"Writing to {_peer} failed: {e.Message}",
                        e);
                }
            }
        }

        /// <summary>Closes the socket; a pending or blocked Read then fails with IOException.</summary>
        public void Dispose()
        {
            bool wasOpen = !_closed;
            _closed = true;

            // Best effort TLS close_notify, so that the server sees an orderly close rather than a
            // truncated stream; skipped when a write is in progress (it may be stuck on a dead peer).
            if (wasOpen && _stream is SslStream ssl && Monitor.TryEnter(_writeLock))
            {
                try
                {
                    ssl.ShutdownAsync().Wait(CloseNotifyMilliseconds);
                }
                catch (Exception)
                {
                    // The connection is already broken; closing it is all that is left.
                }
                finally
                {
                    Monitor.Exit(_writeLock);
                }
            }

            // The socket first: that completes the pending read (with an error) without touching
            // SslStream's state from this thread while another thread is inside it.
            _tcp.Dispose();
            _stream.Dispose();
        }

        private Task<int> StartRead()
        {
            Task<int> read;
            try
            {
                read = _stream.ReadAsync(_received, 0, _received.Length);
            }
            catch (Exception e)
            {
                read = Task.FromException<int>(e);
            }

            // A read that fails after its reader gave up (Close during a timeout) must not surface
            // later as an unobserved task exception.
            read.ContinueWith(
                static t => _ = t.Exception,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return read;
        }

        private static bool WaitFor(Task<int> read, int timeoutMilliseconds)
        {
            try
            {
                return read.Wait(timeoutMilliseconds);
            }
            catch (AggregateException)
            {
                // The read completed with an error; Complete reports it.
                return true;
            }
        }

        private int Complete(Task<int> read)
        {
            int received;
            try
            {
                received = read.GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                bool closedHere = _closed;
                _closed = true;
                throw new IOException(
                    closedHere ? $"The connection to {_peer} was closed." : $"Reading from {_peer} failed: {e.Message}",
                    e);
            }

            if (received == 0)
            {
                _closed = true;
                throw new IOException($"{_peer} closed the connection.");
            }

            return received;
        }
    }
}
