using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace NanoSecurity.Host
{
    /// <summary>
    /// Per-socket TCP byte totals on Linux, read as <c>ss -ti</c> reads them: a NETLINK_SOCK_DIAG
    /// dump of every IPv4 and IPv6 TCP socket of the network namespace with INET_DIAG_INFO, whose
    /// <c>struct tcp_info</c> carries <c>tcpi_bytes_received</c> and <c>tcpi_bytes_acked</c> (Linux 4.1
    /// and later). Sockets are keyed by inode, the same number <c>/proc/net/tcp</c> shows; sockets
    /// without one (TIME_WAIT) are left out. Any user may make this request.
    /// </summary>
    internal static class TcpSocketCounters
    {
        private const int NetlinkFamily = 16;        // AF_NETLINK
        private const int NetlinkSockDiag = 4;       // NETLINK_SOCK_DIAG
        private const int SocketRaw = 3;             // SOCK_RAW
        private const int SocketCloseOnExec = 0x80000; // SOCK_CLOEXEC
        private const ushort SockDiagByFamily = 20;  // SOCK_DIAG_BY_FAMILY
        private const ushort RequestDump = 0x1 | 0x300; // NLM_F_REQUEST | NLM_F_DUMP
        private const ushort MessageDone = 3;        // NLMSG_DONE
        private const ushort MessageError = 2;       // NLMSG_ERROR
        private const ushort DiagInfo = 2;           // INET_DIAG_INFO
        private const int HeaderSize = 16;           // struct nlmsghdr
        private const int RequestSize = HeaderSize + 56; // + struct inet_diag_req_v2
        private const int DiagMessageSize = 72;      // struct inet_diag_msg
        private const int InodeOffset = 68;          // inet_diag_msg.idiag_inode
        private const int BytesAckedOffset = 120;    // tcp_info.tcpi_bytes_acked
        private const int BytesReceivedOffset = 128; // tcp_info.tcpi_bytes_received

        /// <summary>
        /// Fills <paramref name="counters"/> (cleared first) with inode → (bytes received, bytes
        /// acked by the peer) of every TCP socket. False, with the reason, when the kernel does
        /// not answer (not Linux, no sock_diag). A socket whose tcp_info is too short to hold the
        /// counters (a kernel before 4.1) is left out.
        /// </summary>
        internal static bool TryRead(Dictionary<ulong, (ulong Received, ulong Acked)> counters, byte[] buffer, out string? reason)
        {
            counters.Clear();
            // Netlink speaks the host's byte order; the reader assumes little-endian (x86, ARM).
            if (!OperatingSystem.IsLinux() || !BitConverter.IsLittleEndian)
            {
                reason = "per-socket byte counters need Linux (NETLINK_SOCK_DIAG)";
                return false;
            }

            // .NET's Socket maps its AddressFamily to the platform's and has no netlink: libc directly.
            int socket = NativeMethods.socket(NetlinkFamily, SocketRaw | SocketCloseOnExec, NetlinkSockDiag);
            if (socket < 0)
            {
                reason = "NETLINK_SOCK_DIAG is not available (errno " + Marshal.GetLastPInvokeError() + ")";
                return false;
            }

            try
            {
                foreach (byte family in new byte[] { (byte)AddressFamily.InterNetwork, 10 /* AF_INET6 on Linux */ })
                {
                    if (!Dump(socket, family, counters, buffer, out reason))
                    {
                        counters.Clear();
                        return false;
                    }
                }

                reason = null;
                return true;
            }
            finally
            {
                NativeMethods.close(socket);
            }
        }

        private static bool Dump(int socket, byte family, Dictionary<ulong, (ulong, ulong)> counters, byte[] buffer, out string? reason)
        {
            var request = new byte[RequestSize];
            BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(), RequestSize);
            BinaryPrimitives.WriteUInt16LittleEndian(request.AsSpan(4), SockDiagByFamily);
            BinaryPrimitives.WriteUInt16LittleEndian(request.AsSpan(6), RequestDump);
            BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(8), family); // sequence number
            request[HeaderSize] = family;
            request[HeaderSize + 1] = (byte)ProtocolType.Tcp;
            request[HeaderSize + 2] = 1 << (DiagInfo - 1);
            BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(HeaderSize + 4), uint.MaxValue); // every state
            if (NativeMethods.send(socket, request, RequestSize, 0) != RequestSize)
            {
                reason = "NETLINK_SOCK_DIAG: the request could not be sent (errno " + Marshal.GetLastPInvokeError() + ")";
                return false;
            }

            while (true)
            {
                int length = (int)NativeMethods.recv(socket, buffer, buffer.Length, 0);
                if (length <= 0)
                {
                    reason = "NETLINK_SOCK_DIAG: no answer (errno " + Marshal.GetLastPInvokeError() + ")";
                    return false;
                }

                int offset = 0;
                while (offset + HeaderSize <= length)
                {
                    int messageLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset));
                    ushort type = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(offset + 4));
                    if (messageLength < HeaderSize || offset + messageLength > length)
                    {
                        reason = "NETLINK_SOCK_DIAG sent a malformed message";
                        return false;
                    }

                    if (type == MessageDone)
                    {
                        reason = null;
                        return true;
                    }

                    if (type == MessageError)
                    {
                        int error = messageLength >= HeaderSize + 4 ? -BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(offset + HeaderSize)) : 0;
                        reason = "NETLINK_SOCK_DIAG refused the request (errno " + error + ")";
                        return false;
                    }

                    if (type == SockDiagByFamily && messageLength >= HeaderSize + DiagMessageSize)
                    {
                        Read(buffer.AsSpan(offset + HeaderSize, messageLength - HeaderSize), counters);
                    }

                    offset += Align(messageLength);
                }
            }
        }

        private static void Read(ReadOnlySpan<byte> message, Dictionary<ulong, (ulong, ulong)> counters)
        {
            ulong inode = BinaryPrimitives.ReadUInt32LittleEndian(message.Slice(InodeOffset));
            int offset = DiagMessageSize;
            while (offset + 4 <= message.Length)
            {
                int attributeLength = BinaryPrimitives.ReadUInt16LittleEndian(message.Slice(offset));
                ushort type = BinaryPrimitives.ReadUInt16LittleEndian(message.Slice(offset + 2));
                if (attributeLength < 4 || offset + attributeLength > message.Length)
                {
                    return;
                }

                ReadOnlySpan<byte> value = message.Slice(offset + 4, attributeLength - 4);
                if (type == DiagInfo && value.Length >= BytesReceivedOffset + 8 && inode != 0)
                {
                    counters[inode] = (
                        BinaryPrimitives.ReadUInt64LittleEndian(value.Slice(BytesReceivedOffset)),
                        BinaryPrimitives.ReadUInt64LittleEndian(value.Slice(BytesAckedOffset)));
                }

                offset += Align(attributeLength);
            }
        }

        private static int Align(int length) => (length + 3) & ~3;

        private static class NativeMethods
        {
            [DllImport("libc", SetLastError = true)]
            internal static extern int socket(int domain, int type, int protocol);

            [DllImport("libc", SetLastError = true)]
            internal static extern nint send(int socket, byte[] buffer, nint length, int flags);

            [DllImport("libc", SetLastError = true)]
            internal static extern nint recv(int socket, byte[] buffer, nint length, int flags);

            [DllImport("libc")]
            internal static extern int close(int socket);
        }
    }
}
