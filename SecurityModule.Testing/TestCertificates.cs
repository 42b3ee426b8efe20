using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NanoSecurity.Testing
{
    /// <summary>
    /// A throwaway CA and a server certificate it signed, for brokers on the loopback
    /// interface, generated with .NET's CertificateRequest (no openssl). The server certificate
    /// carries subjectAltName DNS:localhost, IP:127.0.0.1 and IP:::1, so that TLS clients connecting
    /// to any of them pass the name check. The PEM files (ca.pem, server.pem, server.key) are
    /// written world-readable, so that mosquitto can read them after dropping root.
    /// </summary>
    public sealed class TestCertificates : IDisposable
    {
        /// <summary>File name of the CA certificate.</summary>
        public const string CaFileName = "ca.pem";

        /// <summary>File name of the server certificate.</summary>
        public const string ServerCertificateFileName = "server.pem";

        /// <summary>File name of the server's private key (PKCS#8 PEM, unencrypted).</summary>
        public const string ServerKeyFileName = "server.key";

        private readonly bool _ownsDirectory;

        private TestCertificates(string directory, bool ownsDirectory, X509Certificate2 ca, X509Certificate2 server)
        {
            Directory = directory;
            _ownsDirectory = ownsDirectory;
            CaCertificate = ca;
            ServerCertificate = server;
        }

        /// <summary>Folder holding the PEM files.</summary>
        public string Directory { get; }

        /// <summary>Path of ca.pem: what a client trusts.</summary>
        public string CaCertificateFile => Path.Combine(Directory, CaFileName);

        /// <summary>Path of server.pem.</summary>
        public string ServerCertificateFile => Path.Combine(Directory, ServerCertificateFileName);

        /// <summary>Path of server.key.</summary>
        public string ServerKeyFile => Path.Combine(Directory, ServerKeyFileName);

        /// <summary>The CA certificate (public part only).</summary>
        public X509Certificate2 CaCertificate { get; }

        /// <summary>The server certificate with its private key, usable by an SslStream or MQTTnet server.</summary>
        public X509Certificate2 ServerCertificate { get; }

        /// <summary>
        /// Generates a CA and a server certificate and writes ca.pem, server.pem and server.key.
        /// </summary>
        /// <param name="directory">Folder to write into (created if needed, left on Dispose); null for a new
        /// temporary folder, deleted on Dispose.</param>
        /// <param name="validity">How long the certificates stay valid; default 30 days. They start one hour
        /// in the past, to tolerate clock differences.</param>
        /// <returns>The certificates.</returns>
        public static TestCertificates Create(string? directory = null, TimeSpan? validity = null)
        {
            bool owns = directory == null;
            string folder = directory ?? System.IO.Directory.CreateTempSubdirectory("nanosecurity-certs-").FullName;
            System.IO.Directory.CreateDirectory(folder);
            MakeReadableByAll(folder, isDirectory: true);

            DateTimeOffset notBefore = DateTimeOffset.UtcNow.AddHours(-1);
            DateTimeOffset notAfter = DateTimeOffset.UtcNow.Add(validity ?? TimeSpan.FromDays(30));

            using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            X509Certificate2 ca = CreateCa("nanoSecurity Test CA", caKey, notBefore, notAfter);

            using ECDsa serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=localhost, O=nanoSecurity tests", serverKey, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                new OidCollection { new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication") }, false));
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            names.AddIpAddress(IPAddress.IPv6Loopback);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));

            using X509Certificate2 signed = request.Create(ca, notBefore, notAfter.AddMinutes(-1), NewSerialNumber());
            using X509Certificate2 withKey = signed.CopyWithPrivateKey(serverKey);

            // Through PKCS#12 so that the key is a persisted one: SChannel on Windows refuses
            // ephemeral keys for a TLS server, and it costs nothing on Linux.
            X509Certificate2 server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);

            WriteFile(Path.Combine(folder, CaFileName), ca.ExportCertificatePem() + "\n");
            WriteFile(Path.Combine(folder, ServerCertificateFileName), server.ExportCertificatePem() + "\n");
            WriteFile(Path.Combine(folder, ServerKeyFileName), serverKey.ExportPkcs8PrivateKeyPem() + "\n");

            return new TestCertificates(folder, owns, X509CertificateLoader.LoadCertificate(ca.RawData), server);
        }

        /// <summary>
        /// Writes the certificate of another, unrelated CA (same subject name, different key), which
        /// a client must refuse to accept the server with.
        /// </summary>
        /// <param name="fileName">File name inside <see cref="Directory"/>; default "wrong-ca.pem".</param>
        /// <returns>The full path of the file.</returns>
        public string WriteUnrelatedCaFile(string fileName = "wrong-ca.pem")
        {
            using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using X509Certificate2 ca = CreateCa("nanoSecurity Test CA", key, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30));
            string path = Path.Combine(Directory, fileName);
            WriteFile(path, ca.ExportCertificatePem() + "\n");
            return path;
        }

        /// <summary>Releases the certificates; deletes the folder if <see cref="Create"/> made it.</summary>
        public void Dispose()
        {
            CaCertificate.Dispose();
            ServerCertificate.Dispose();
            if (_ownsDirectory)
            {
                try
                {
                    System.IO.Directory.Delete(Directory, recursive: true);
                }
                catch (IOException)
                {
                    // A broker still holding a file open; the temporary folder is left behind.
                }
            }
        }

        private static X509Certificate2 CreateCa(string name, ECDsa key, DateTimeOffset notBefore, DateTimeOffset notAfter)
        {
            var request = new CertificateRequest($"CN={name}, O=nanoSecurity tests", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            return request.CreateSelfSigned(notBefore, notAfter);
        }

        private static byte[] NewSerialNumber()
        {
            byte[] serial = RandomNumberGenerator.GetBytes(16);
            serial[0] &= 0x7F; // positive, as RFC 5280 requires
            serial[0] |= 0x01; // and without a leading zero byte
            return serial;
        }

        private static void WriteFile(string path, string text)
        {
            File.WriteAllText(path, text);
            MakeReadableByAll(path, isDirectory: false);
        }

        private static void MakeReadableByAll(string path, bool isDirectory)
        {
            // CreateTempSubdirectory makes a 0700 folder; mosquitto started as root drops to the
            // "mosquitto" user and could not read the files (see testing-notes.md).
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            if (isDirectory)
            {
                mode |= UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            }

            File.SetUnixFileMode(path, mode);
        }
    }
}
