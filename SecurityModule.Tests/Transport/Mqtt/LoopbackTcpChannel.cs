using System.Net.Sockets;

namespace NanoSecurity.Tests.Transport.Mqtt
{
    /// <summary>
    /// Plain TCP <see cref="INetworkChannel"/> for tests against a broker on 127.0.0.1 (the
    /// product's TLS channel lives in the host target). One thread may read while another writes.
    /// </summary>
    internal sealed class LoopbackTcpChannel : INetworkChannel
    {
        private readonly object _gate = new object();
        private Socket _socket;

        public void Connect(string host, int port)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Connect(host, port);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw new IOException("connect to " + host + ":" + port + " failed: " + e.Message, e);
            }

            lock (_gate)
            {
                _socket = socket;
            }
        }

        public int Read(byte[] buffer, int offset, int count, int timeoutMilliseconds)
        {
            Socket socket = Current();
            try
            {
                if (!socket.Poll(timeoutMilliseconds * 1000L > int.MaxValue ? int.MaxValue : timeoutMilliseconds * 1000, SelectMode.SelectRead))
                {
                    return 0;
                }

                int read = socket.Receive(buffer, offset, count, SocketFlags.None);
                if (read == 0)
                {
                    throw new IOException("connection closed by the peer");
                }

                return read;
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
                throw new IOException("read failed: " + e.Message, e);
            }
        }

        public void Write(byte[] buffer, int offset, int count)
        {
            Socket socket = Current();
            try
            {
                while (count > 0)
                {
                    int sent = socket.Send(buffer, offset, count, SocketFlags.None);
                    offset += sent;
                    count -= sent;
                }
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
                throw new IOException("write failed: " + e.Message, e);
            }
        }

        public void Close()
        {
            Socket socket;
            lock (_gate)
            {
                socket = _socket;
                _socket = null;
            }

            if (socket != null)
            {
                try
                {
                    socket.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                    // Already reset by the peer: closing is all that is left to do.
                }

                socket.Dispose();
            }
        }

        private Socket Current()
        {
            lock (_gate)
            {
                return _socket ?? throw new IOException("channel closed");
            }
        }
    }
}
