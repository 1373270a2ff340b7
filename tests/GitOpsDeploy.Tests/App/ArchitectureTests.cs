using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;

namespace GitOpsDeploy.Tests.App;

/// <summary>
/// Folders are namespaces, the core's namespaces depend on each other one way only, and the pure ones read
/// no clock, no randomness, no file, no environment and no network. Dependencies are read from the compiled
/// code (signatures and every method body's IL), not from using directives, so a fully qualified name or a
/// parent namespace reached without a using is seen too.
/// </summary>
[Trait("Tier", "App")]
public sealed partial class ArchitectureTests
{
    /// <summary>Namespaces whose code is a function of its arguments: what they compute a test can pin exactly.</summary>
    private static readonly string[] Pure =
    [
        "GitOpsDeploy.Editing", "GitOpsDeploy.Core.Requests", "GitOpsDeploy.Core.Planning", "GitOpsDeploy.Core.Results",
        "GitOpsDeploy.Core.Text", "GitOpsDeploy.Core.Metrics",
    ];

    /// <summary>What pure code must not touch: the wall clock, randomness, the file system, the environment, processes, the network.</summary>
    private static readonly (string Type, string? Member)[] Impure =
    [
        ("System.DateTime", "get_Now"), ("System.DateTime", "get_UtcNow"), ("System.DateTimeOffset", "get_Now"), ("System.DateTimeOffset", "get_UtcNow"),
        ("System.Random", null), ("System.Guid", "NewGuid"), ("System.Environment", "GetEnvironmentVariable"),
        ("System.Environment", "GetEnvironmentVariables"), ("System.Environment", "get_CurrentDirectory"), ("System.Environment", "Exit"),
        ("System.Security.Cryptography.RandomNumberGenerator", null), ("System.IO.File", null), ("System.IO.Directory", null),
        ("System.IO.FileInfo", null), ("System.IO.DirectoryInfo", null), ("System.IO.FileStream", null), ("System.Diagnostics.Process", null),
        ("System.Net.Http.HttpClient", null), ("System.Threading.Tasks.Task", "Delay"),
    ];

    public static TheoryData<string> Projects() => [.. ProjectNames()];

    private static IEnumerable<string> ProjectNames() => Directory.GetDirectories(Path.Combine(ConventionTests.RepoRoot(), "src")).Select(Path.GetFileName).OfType<string>();

    [Theory]
    [MemberData(nameof(Projects))]
    public void Every_source_files_namespace_is_its_folder(string project)
    {
        var root = Path.Combine(ConventionTests.RepoRoot(), "src", project);
        // The console app's assembly is gitops-deploy, its namespaces GitOpsDeploy.*.
        var rootNamespace = project;
        var wrong = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories).Where(f => !IsBuildOutput(root, f)))
        {
            var folder = Path.GetRelativePath(root, Path.GetDirectoryName(file)!);
            var expected = folder == "." ? rootNamespace : rootNamespace + "." + folder.Replace(Path.DirectorySeparatorChar, '.');
            var declared = NamespaceDeclaration().Match(File.ReadAllText(file));
            if (declared.Success && declared.Groups[1].Value != expected)
            {
                wrong.Add($"{Path.GetRelativePath(root, file)}: namespace {declared.Groups[1].Value}, folder says {expected}");
            }
        }

        Assert.Empty(wrong);
    }

    [Fact]
    public void No_two_namespaces_of_the_core_depend_on_each_other_even_through_others()
    {
        var graph = Dependencies(typeof(Core.Runs.DeployRunner).Assembly, "GitOpsDeploy.Core");
        var cycles = new List<string>();
        foreach (var start in graph.Keys)
        {
            // Any path from a namespace back to itself is a cycle.
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var stack = new Stack<(string Node, string Path)>([(start, start)]);
            while (stack.Count > 0)
            {
                var (node, path) = stack.Pop();
                foreach (var next in graph.GetValueOrDefault(node, []))
                {
                    if (next == start)
                    {
                        cycles.Add(path + " -> " + start);
                    }
                    else if (seen.Add(next))
                    {
                        stack.Push((next, path + " -> " + next));
                    }
                }
            }
        }

        Assert.Empty(cycles.Distinct());
        // The check sees real edges: the runner depends on the planner and the landings.
        Assert.Contains("GitOpsDeploy.Core.Planning", graph["GitOpsDeploy.Core.Runs"]);
        Assert.Contains("GitOpsDeploy.Core.Landing", graph["GitOpsDeploy.Core.Runs"]);
    }

    [Fact]
    public void The_ports_and_the_editing_library_know_nothing_of_runs_landings_or_reporting()
    {
        var graph = Dependencies(typeof(Core.Runs.DeployRunner).Assembly, "GitOpsDeploy.Core");
        Assert.Empty(graph.GetValueOrDefault("GitOpsDeploy.Core.Ports", []));
        Assert.DoesNotContain(typeof(Editing.DeployException).Assembly.GetReferencedAssemblies(), a => a.Name == typeof(Core.Runs.DeployRunner).Assembly.GetName().Name);
    }

    [Fact]
    public void Pure_namespaces_read_no_clock_randomness_file_environment_process_or_network()
    {
        var offences = new List<string>();
        foreach (var assembly in new[] { typeof(Editing.DeployException).Assembly, typeof(Core.Runs.DeployRunner).Assembly })
        {
            foreach (var type in assembly.GetTypes().Where(t => Pure.Any(p => t.Namespace == p || t.Namespace?.StartsWith(p + ".", StringComparison.Ordinal) == true)))
            {
                foreach (var (method, member) in Uses(type))
                {
                    if (member.DeclaringType?.FullName is { } declaring && Impure.Any(i => i.Type == declaring && (i.Member is null || i.Member == member.Name)))
                    {
                        offences.Add($"{type.FullName}.{method.Name} uses {declaring}.{member.Name}");
                    }
                }
            }
        }

        Assert.True(offences.Count == 0, string.Join("\n", offences.Distinct()));
    }

    [Fact]
    public void The_cores_types_are_internal_unless_another_product_assembly_needs_them()
    {
        // Needed: used by an adapter or the app (in a method body or a signature), or part of the public face of a needed type.
        var core = typeof(Core.Runs.DeployRunner).Assembly;
        static Type Definition(Type t) => t.IsGenericType ? t.GetGenericTypeDefinition() : t;
        var needed = ProductAssemblies().Where(a => a != core).SelectMany(a => a.GetTypes())
            .SelectMany(t => Uses(t).Select(u => u.Member as Type ?? u.Member.DeclaringType).Concat(Signatures(t)))
            .OfType<Type>().Select(Definition).Where(t => t.Assembly == core).ToHashSet();
        var queue = new Queue<Type>(needed);
        while (queue.TryDequeue(out var type))
        {
            foreach (var exposed in PublicFace(type).Select(Definition).Where(t => t.Assembly == core && needed.Add(t)))
            {
                queue.Enqueue(exposed);
            }
        }

        var needless = core.GetTypes().Where(t => t.IsPublic && !needed.Contains(t)).Select(t => t.FullName).Order(StringComparer.Ordinal).ToList();
        Assert.True(needless.Count == 0, "public, but no other product assembly needs them (make them internal):\n" + string.Join("\n", needless));
        // The check sees real uses: the app runs the runner, an adapter implements a port, and some types stay internal.
        Assert.Contains(typeof(Core.Runs.DeployRunner), needed);
        Assert.Contains(typeof(Core.Ports.IGitOpsRepository), needed);
        Assert.Contains(core.GetTypes(), t => !t.IsPublic && !t.IsNested && t.Namespace?.StartsWith("GitOpsDeploy.Core.", StringComparison.Ordinal) == true && !t.Name.StartsWith('<'));
    }

    /// <summary>The product's assemblies: one per project under src/ (the console app's is gitops-deploy).</summary>
    private static IEnumerable<Assembly> ProductAssemblies() =>
        ProjectNames().Select(project => Assembly.Load(new AssemblyName(project == "GitOpsDeploy" ? "gitops-deploy" : project)));

    /// <summary>The types a type shows to other assemblies: base, interfaces, and its public or protected members' signatures.</summary>
    private static IEnumerable<Type> PublicFace(Type type) => SignatureTypes(type, visibleOnly: true);

    [Fact]
    public void The_impurity_check_sees_a_clock_read_inside_a_method_body()
    {
        Assert.Contains(Uses(typeof(ClockReader)), u => u.Member.DeclaringType == typeof(DateTimeOffset) && u.Member.Name == "get_UtcNow");
    }

    private static class ClockReader
    {
        public static string Now() => DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>For each namespace under <paramref name="prefix"/>: the other namespaces under it its code uses.</summary>
    private static Dictionary<string, HashSet<string>> Dependencies(Assembly assembly, string prefix)
    {
        bool Inside(string? ns) => ns is not null && (ns == prefix || ns.StartsWith(prefix + ".", StringComparison.Ordinal));
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes().Where(t => Inside(t.Namespace) && t.Namespace != prefix))
        {
            var edges = graph.TryGetValue(type.Namespace!, out var known) ? known : graph[type.Namespace!] = new HashSet<string>(StringComparer.Ordinal);
            var used = Uses(type).Select(u => u.Member is Type t ? t : u.Member.DeclaringType)
                .Concat(Signatures(type)).OfType<Type>().Select(t => t.Namespace);
            // The root namespace is the composition (the module that registers the steps): it may use any of them.
            edges.UnionWith(used.Where(ns => Inside(ns) && ns != prefix && ns != type.Namespace).OfType<string>());
        }

        return graph;
    }

    /// <summary>The types in a type's signatures: base, interfaces, fields, properties, parameters and returns.</summary>
    private static IEnumerable<Type> Signatures(Type type) => SignatureTypes(type, visibleOnly: false);

    /// <summary>The types in a type's signatures (and its nested types'), generic arguments and element types included; only what other assemblies see with <paramref name="visibleOnly"/>.</summary>
    private static IEnumerable<Type> SignatureTypes(Type type, bool visibleOnly)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        bool Shown(MethodBase? m) => m is not null && (!visibleOnly || m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly);
        IEnumerable<Type> Expand(Type t) => t.IsGenericType ? [t, .. t.GetGenericArguments().SelectMany(Expand)] : t.HasElementType ? Expand(t.GetElementType()!) : [t];
        var direct = new List<Type>(type.GetInterfaces());
        if (type.BaseType is { } baseType)
        {
            direct.Add(baseType);
        }

        direct.AddRange(type.GetFields(all).Where(f => !visibleOnly || f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly).Select(f => f.FieldType));
        direct.AddRange(type.GetProperties(all).Where(p => Shown(p.GetMethod) || Shown(p.SetMethod)).Select(p => p.PropertyType));
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)).Where(Shown))
        {
            direct.AddRange(method.GetParameters().Select(p => p.ParameterType));
            if (method is MethodInfo info)
            {
                direct.Add(info.ReturnType);
            }
        }

        var nested = type.GetNestedTypes(visibleOnly ? BindingFlags.Public : all);
        return direct.SelectMany(Expand).Concat(nested.SelectMany(n => SignatureTypes(n, visibleOnly)));
    }

    /// <summary>Every member and type a type's method bodies (and its nested types', lambdas and state machines included) refer to.</summary>
    private static IEnumerable<(MethodBase Method, MemberInfo Member)> Uses(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            var il = method.GetMethodBody()?.GetILAsByteArray();
            if (il is null)
            {
                continue;
            }

            for (var i = 0; i < il.Length;)
            {
                var code = il[i] == 0xFE ? TwoByte[il[i + 1]] : OneByte[il[i]];
                i += code.Size;
                var operand = OperandSize(code.OperandType, il, i);
                if (code.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
                {
                    MemberInfo? member = null;
                    try
                    {
                        member = method.Module.ResolveMember(BitConverter.ToInt32(il, i),
                            type.IsGenericType ? type.GetGenericArguments() : null, method.IsGenericMethod ? method.GetGenericArguments() : null);
                    }
                    catch (ArgumentException)
                    {
                        // A token of a generic context the resolver cannot close: the declaring type is seen in the signatures.
                    }

                    if (member is not null)
                    {
                        yield return (method, member);
                    }
                }

                i += operand;
            }
        }

        foreach (var nested in type.GetNestedTypes(all))
        {
            foreach (var use in Uses(nested))
            {
                yield return use;
            }
        }
    }

    private static readonly Dictionary<byte, OpCode> OneByte = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).Where(c => c.Size == 1).ToDictionary(c => (byte)c.Value);

    private static readonly Dictionary<byte, OpCode> TwoByte = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).Where(c => c.Size == 2).ToDictionary(c => (byte)(c.Value & 0xFF));

    private static int OperandSize(OperandType type, byte[] il, int at) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };

    private static bool IsBuildOutput(string root, string file)
    {
        var relative = Path.GetRelativePath(root, file);
        return relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal) || relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^namespace ([A-Za-z0-9_.]+);", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();
}
