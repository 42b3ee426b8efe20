import socket, shutil, sys
out = sys.argv[1]
keep = []
# TCP listener on 127.0.0.1 and a connection to it
l4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM); l4.bind(("127.0.0.1", 0)); l4.listen(); keep.append(l4)
c4 = socket.create_connection(l4.getsockname()); a4, _ = l4.accept(); keep += [c4, a4]
# TCP listener on ::1 and a connection to it
l6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); l6.bind(("::1", 0)); l6.listen(); keep.append(l6)
c6 = socket.create_connection(l6.getsockname()[:2]); a6, _ = l6.accept(); keep += [c6, a6]
# dual-stack listener on [::], connected from 127.0.0.1: IPv4-mapped entries in tcp6
ld = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); ld.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0); ld.bind(("::", 0)); ld.listen(); keep.append(ld)
cd = socket.create_connection(("127.0.0.1", ld.getsockname()[1])); ad, _ = ld.accept(); keep += [cd, ad]
# UDP: unconnected on 127.0.0.1 and ::1, connected pairs
u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u4.bind(("127.0.0.1", 0)); keep.append(u4)
u4c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u4c.connect(u4.getsockname()); keep.append(u4c)
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(("::1", 0)); keep.append(u6)
u6c = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6c.connect(u6.getsockname()[:2]); keep.append(u6c)
print("tcp4 listen", l4.getsockname(), "client", c4.getsockname())
print("tcp6 listen", l6.getsockname(), "client", c6.getsockname())
print("dual listen", ld.getsockname(), "client", cd.getsockname())
print("udp4", u4.getsockname(), "conn", u4c.getsockname())
print("udp6", u6.getsockname(), "conn", u6c.getsockname())
for n in ("tcp", "tcp6", "udp", "udp6"):
    shutil.copyfile("/proc/net/" + n, out + "/" + n + ".txt")
