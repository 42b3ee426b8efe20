using System.Xml.Linq;
using Xunit;

namespace NanoSecurity.Tests.Build
{
    /// <summary>
    /// The .nfproj files of the nanoFramework build (SecurityModule, targets/nanoFramework, the
    /// ESP32 sample) cannot be built here; these checks keep them from drifting from the sources:
    /// the nanoFramework project system wants an explicit Compile list, so every .cs file must be
    /// listed, and nothing listed may be missing. Device projects stay out of nanoSecurity.sln.
    /// </summary>
    public sealed class NanoFrameworkProjectTests
    {
        public static readonly TheoryData<string> Projects = new TheoryData<string>
        {
            "SecurityModule/SecurityModule.nfproj",
            "targets/nanoFramework/NanoSecurity.Targets.nanoFramework.nfproj",
            "Samples/Esp32Firmware/Esp32Firmware.nfproj",
        };

        [Theory]
        [MemberData(nameof(Projects))]
        public void TheCompileListIsEveryCsFileOfTheProjectFolder(string project)
        {
            string path = Path.Combine(ProjectBuilder.RepoRoot, project);
            string folder = Path.GetDirectoryName(path)!;

            var listed = new SortedSet<string>(StringComparer.Ordinal);
            foreach (XElement compile in XDocument.Load(path).Descendants().Where(e => e.Name.LocalName == "Compile"))
            {
                listed.Add(compile.Attribute("Include")!.Value.Replace('\\', '/'));
            }

            var onDisk = new SortedSet<string>(StringComparer.Ordinal);
            foreach (string file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
                if (!relative.StartsWith("bin/", StringComparison.Ordinal) && !relative.StartsWith("obj/", StringComparison.Ordinal))
                {
                    onDisk.Add(relative);
                }
            }

            string[] notListed = onDisk.Except(listed).ToArray();
            string[] missing = listed.Except(onDisk).ToArray();
            Assert.True(
                notListed.Length == 0 && missing.Length == 0,
                project + ": add to its Compile items: [" + string.Join(", ", notListed) + "]; listed but not on disk: [" + string.Join(", ", missing) + "]");
        }

        [Theory]
        [MemberData(nameof(Projects))]
        public void TheProjectUsesAscPortConfig(string project)
        {
            XDocument document = XDocument.Load(Path.Combine(ProjectBuilder.RepoRoot, project));
            Assert.Contains(
                document.Descendants().Where(e => e.Name.LocalName == "Import"),
                import => import.Attribute("Project")!.Value.Replace('\\', '/').EndsWith("build/AscPortConfig.targets", StringComparison.Ordinal));
        }

        [Theory]
        [MemberData(nameof(Projects))]
        public void EveryReferenceHasTheFullIdentityOfItsPackageAndEveryPackageIsReferenced(string project)
        {
            // As nanoFramework's own projects: name, the package's version as the assembly
            // version, and nanoFramework's key, so that a mismatched DLL is refused, not bound.
            string path = Path.Combine(ProjectBuilder.RepoRoot, project);
            var packages = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (XElement package in XDocument.Load(Path.Combine(Path.GetDirectoryName(path)!, "packages.config")).Descendants("package"))
            {
                packages[package.Attribute("id")!.Value] = package.Attribute("version")!.Value;
            }

            var used = new SortedSet<string>(StringComparer.Ordinal);
            foreach (XElement reference in XDocument.Load(path).Descendants().Where(e => e.Name.LocalName == "Reference"))
            {
                string include = reference.Attribute("Include")!.Value;
                string hint = reference.Elements().Single(e => e.Name.LocalName == "HintPath").Value.Replace('\\', '/');
                string folder = hint.Split('/').SkipWhile(p => p != "packages").Skip(1).First();
                string id = packages.Keys.Single(k => folder == k + "." + packages[k]);
                used.Add(id);

                string name = include.Split(',')[0];
                Assert.Equal(name + ", Version=" + packages[id] + ".0, Culture=neutral, PublicKeyToken=c07d481e9758c731", include);
                Assert.EndsWith("/lib/" + name + ".dll", hint, StringComparison.Ordinal);
            }

            string[] unused = packages.Keys.Where(k => !used.Contains(k) && k != "Nerdbank.GitVersioning").ToArray();
            Assert.True(unused.Length == 0, project + ": packages.config lists packages nothing references: " + string.Join(", ", unused));
        }

        [Fact]
        public void TheCiSolutionHasNoDeviceProject()
        {
            string solution = File.ReadAllText(Path.Combine(ProjectBuilder.RepoRoot, "nanoSecurity.sln"));
            Assert.DoesNotContain(".nfproj", solution, StringComparison.OrdinalIgnoreCase);
        }
    }
}
