using System.IO.Compression;
using System.Xml.Linq;
using NanoSecurity.Testing;
using Xunit;
using Xunit.Abstractions;

namespace NanoSecurity.Tests.Build
{
    /// <summary>
    /// The NanoSecurity NuGet package: `dotnet pack SecurityModule/SecurityModule.csproj` packs
    /// SecurityModule/NanoSecurity.nuspec with nanoFramework's layout, takes the .pe and .pdbx
    /// from the nanoFramework build's output, and refuses, naming the commands, when they are
    /// missing. The MetadataProcessor cannot run here, so the full package is packed from a
    /// stand-in of that output (this build's DLL and XML plus marked .pe/.pdbx files).
    /// </summary>
    [Collection(BuildSandboxCollection.Name)]
    public sealed class NanoSecurityPackageTests
    {
        private const string Configuration = "Pack";
        private const string Lib = "lib/netnano1.0/";

        private readonly BuildSandbox _sandbox;
        private readonly ITestOutputHelper _output;

        public NanoSecurityPackageTests(BuildSandbox sandbox, ITestOutputHelper output)
        {
            _sandbox = sandbox;
            _output = output;
        }

        private string BuildOutput => Path.GetDirectoryName(_sandbox.Dll(Configuration))!;

        [Fact]
        public void PackingWithoutTheNanoFrameworkOutputRefusesAndNamesTheCommands()
        {
            string empty = Folder("no-nano-build");
            string packages = Folder("refused");

            BuildResult pack = Pack(packages, "-p:NanoFrameworkOutput=" + empty);

            Assert.False(pack.Succeeded, "pack without .pe/.pdbx succeeded:\n" + pack);
            Assert.Contains("NANOSEC001", pack.Output);
            Assert.Contains("SecurityModule.pe", pack.Output);
            Assert.Contains("SecurityModule.pdbx", pack.Output);
            Assert.Contains("SecurityModule/SecurityModule.nfproj", pack.Output);
            Assert.Contains("-p:NanoSecurityPackDllOnly=true", pack.Output);
            Assert.Empty(Directory.GetFiles(packages, "*.nupkg"));
        }

        [Fact]
        public void TheDllOnlyPackageHasTheNanoFrameworkLayoutAndMetadata()
        {
            string packages = Folder("dll-only");

            BuildResult pack = Pack(packages, "-p:NanoSecurityPackDllOnly=true");

            Assert.True(pack.Succeeded, "pack failed:\n" + pack);
            Assert.Contains("NANOSEC003", pack.Output); // says that a device cannot deploy it
            using ZipArchive package = OpenPackage(packages);
            Assert.Equal(
                new[] { "docs/README.md", Lib + "SecurityModule.dll", Lib + "SecurityModule.xml" },
                Contents(package));
            Assert.Equal(File.ReadAllBytes(Path.Combine(BuildOutput, "SecurityModule.dll")), Bytes(package, Lib + "SecurityModule.dll"));
            AssertMetadata(package);
        }

        [Fact]
        public void TheFullPackageTakesEveryFileFromTheNanoFrameworkOutput()
        {
            string nanoOutput = StandInNanoFrameworkOutput();
            string packages = Folder("full");

            BuildResult pack = Pack(packages, "-p:NanoFrameworkOutput=" + nanoOutput);

            Assert.True(pack.Succeeded, "pack failed:\n" + pack);
            Assert.DoesNotContain("NANOSEC003", pack.Output);
            using ZipArchive package = OpenPackage(packages);
            string[] files = { "SecurityModule.dll", "SecurityModule.pdbx", "SecurityModule.pe", "SecurityModule.xml" };
            Assert.Equal(new[] { "docs/README.md" }.Concat(files.Select(f => Lib + f)), Contents(package));
            foreach (string file in files)
            {
                Assert.Equal(File.ReadAllBytes(Path.Combine(nanoOutput, file)), Bytes(package, Lib + file));
            }

            AssertMetadata(package);
        }

        private static void AssertMetadata(ZipArchive package)
        {
            XDocument nuspec;
            using (Stream stream = package.GetEntry("NanoSecurity.nuspec")!.Open())
            {
                nuspec = XDocument.Load(stream);
            }

            XNamespace ns = nuspec.Root!.Name.Namespace;
            XElement metadata = nuspec.Root.Element(ns + "metadata")!;
            string Value(string name) => metadata.Element(ns + name)?.Value ?? "";

            Assert.Equal("NanoSecurity", Value("id"));
            Assert.Equal(SingleVersionTests.Version, Value("version"));
            Assert.Equal("expression", metadata.Element(ns + "license")!.Attribute("type")!.Value);
            Assert.Equal("MIT", Value("license"));
            Assert.Equal("docs/README.md", Value("readme"));
            Assert.Contains("Defender for IoT", Value("description"));
            Assert.Contains("nanoFramework", Value("description"));

            string[] tags = Value("tags").Split(' ');
            foreach (string tag in new[] { "nanoFramework", "Defender-for-IoT", "Azure-IoT", "security" })
            {
                Assert.Contains(tag, tags);
            }

            XElement repository = metadata.Element(ns + "repository")!;
            Assert.Equal("git", repository.Attribute("type")!.Value);
            Assert.StartsWith("https://", repository.Attribute("url")!.Value);

            XElement group = Assert.Single(metadata.Element(ns + "dependencies")!.Elements(ns + "group"));
            Assert.Equal(".NETnanoFramework1.0", group.Attribute("targetFramework")!.Value);
            XElement dependency = Assert.Single(group.Elements(ns + "dependency"));
            Assert.Equal("nanoFramework.CoreLibrary", dependency.Attribute("id")!.Value);
            Assert.Equal("1.17.11", dependency.Attribute("version")!.Value);
        }

        // The package's own files, without the OPC parts NuGet adds to every package.
        private static string[] Contents(ZipArchive package)
        {
            return package.Entries
                .Select(e => e.FullName)
                .Where(n => !n.StartsWith("_rels/") && !n.StartsWith("package/") && n != "[Content_Types].xml" && n != "NanoSecurity.nuspec")
                .OrderBy(n => n, StringComparer.Ordinal)
                .ToArray();
        }

        private static byte[] Bytes(ZipArchive package, string entry)
        {
            using Stream stream = package.GetEntry(entry)!.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }

        private static ZipArchive OpenPackage(string folder)
        {
            string nupkg = Assert.Single(Directory.GetFiles(folder, "*.nupkg"));
            Assert.Equal("NanoSecurity." + SingleVersionTests.Version + ".nupkg", Path.GetFileName(nupkg));
            return ZipFile.OpenRead(nupkg);
        }

        // What a nanoFramework build of SecurityModule.nfproj leaves in bin/<Configuration>/: the
        // DLL and XML built here, and .pe/.pdbx files marked as stand-ins.
        private string StandInNanoFrameworkOutput()
        {
            BuildResult build = _sandbox.Build(Configuration, Path.Combine(_sandbox.Root, "asc_port.config"));
            Assert.True(build.Succeeded, "build failed:\n" + build);
            string folder = Folder("nano-build");
            File.Copy(Path.Combine(BuildOutput, "SecurityModule.dll"), Path.Combine(folder, "SecurityModule.dll"));
            File.Copy(Path.Combine(BuildOutput, "SecurityModule.xml"), Path.Combine(folder, "SecurityModule.xml"));
            File.WriteAllText(Path.Combine(folder, "SecurityModule.pe"), "stand-in for the MetadataProcessor's .pe");
            File.WriteAllText(Path.Combine(folder, "SecurityModule.pdbx"), "stand-in for the MetadataProcessor's .pdbx");
            return folder;
        }

        private BuildResult Pack(string packages, string property)
        {
            _ = _sandbox.Minimal; // the restore that --no-restore relies on
            BuildResult pack = IsolatedBuild.RunDotnet(
                Path.GetDirectoryName(_sandbox.Project)!,
                new[] { "pack", _sandbox.Project, "--nologo", "-v", "q", "-nodeReuse:false", "--no-restore", "-c", Configuration, "-o", packages, property });
            _output.WriteLine(pack.ToString());
            return pack;
        }

        private string Folder(string name)
        {
            string path = Path.Combine(_sandbox.Root, "package-test", name);
            Directory.CreateDirectory(path);
            return path;
        }
    }
}
