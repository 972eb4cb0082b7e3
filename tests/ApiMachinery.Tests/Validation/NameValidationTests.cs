using KubeNet.ApiMachinery.Validation;

namespace KubeNet.ApiMachinery.Tests.Validation;

// Value tables from staging/src/k8s.io/apimachinery/pkg/util/validation/validation_test.go.
public sealed class NameValidationTests
{
    private const string SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private const string LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    public static TheoryData<string> GoodLabels() =>
    [
        "a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2", new string('a', 63),
    ];

    public static TheoryData<string> BadLabels() =>
    [
        "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b", "1_", "_1", "1_2",
        ".", "a.", ".a", "a.b", "1.", ".1", "1.2", " ", "a ", " a", "a b", "1 ", " 1", "1 2", new string('a', 64), "a\n",
    ];

    public static TheoryData<string> GoodSubdomains() =>
    [
        "a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2",
        "a.a", "ab.a", "abc.a", "a1.a", "a-1.a", "a--1--2--b.a", "a.1", "ab.1", "abc.1", "a1.1", "a-1.1", "a--1--2--b.1",
        "0.a", "01.a", "012.a", "1a.a", "1-a.a", "0.1", "01.1", "012.1", "1a.1", "1-a.1", "1--a--b--2.1",
        "a.b.c.d.e", "aa.bb.cc.dd.ee", "1.2.3.4.5", "11.22.33.44.55", new string('a', 253),
    ];

    public static TheoryData<string> BadSubdomains() =>
    [
        "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b", "1_", "_1", "1_2",
        ".", "a.", ".a", "a..b", "1.", ".1", "1..2", " ", "a ", " a", "a b", "1 ", " 1", "1 2",
        "A.a", "aB.a", "ab.A", "A1.a", "a1.A", "A.1", "aB.1", "A1.1", "1A.1", "0.A", "01.A", "012.A", "1A.a", "1a.A",
        "A.B.C.D.E", "AA.BB.CC.DD.EE", "a.B.c.d.e", "aa.bB.cc.dd.ee", "a@b", "a,b", "a;b", "a:b", "a%b", "a?b", "a$b",
        new string('a', 254), "example.com\n",
    ];

    public static TheoryData<string> GoodQualifiedNames() =>
    [
        "simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple", "now-with-dashes/simple",
        "now-with-dashes/now-with-dashes", "now.with.dots/now-with-dashes", "now-with.dashes-and.dots/now-with-dashes",
        "now.with.dots/now.with.dots", "now-with.dashes-and.dots/now.with.dots", "1-num.2-num/3-num", "1234/5678",
        "1.2.3.4/5678", "Uppercase_Is_OK_123", "example.com/Uppercase_Is_OK_123", "requests.storage-foo",
        new string('a', 63), new string('a', 253) + "/" + new string('b', 63),
    ];

    public static TheoryData<string> BadQualifiedNames() =>
    [
        "nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-", "only/one/slash", "Example.com/abc",
        "example_com/abc", "example.com/", "/simple", new string('a', 64), new string('a', 254) + "/abc",
    ];

    public static TheoryData<string> GoodLabelValues() =>
    [
        "simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", new string('a', 63), "",
    ];

    public static TheoryData<string> BadLabelValues() =>
    [
        "nospecialchars%^=@", "Tama-nui-te-rā.is.Māori.sun", "\\backslashes\\are\\bad", "-starts-with-dash",
        "ends-with-dash-", ".starts.with.dot", "ends.with.dot.", new string('a', 64),
    ];

    [Theory]
    [MemberData(nameof(GoodLabels))]
    public void GoodDns1123Label(string value) => Assert.Empty(NameValidation.IsDns1123Label(value));

    [Theory]
    [MemberData(nameof(BadLabels))]
    public void BadDns1123Label(string value) => Assert.NotEmpty(NameValidation.IsDns1123Label(value));

    [Theory]
    [MemberData(nameof(GoodSubdomains))]
    public void GoodDns1123Subdomain(string value) => Assert.Empty(NameValidation.IsDns1123Subdomain(value));

    [Theory]
    [MemberData(nameof(BadSubdomains))]
    public void BadDns1123Subdomain(string value) => Assert.NotEmpty(NameValidation.IsDns1123Subdomain(value));

    [Theory]
    [MemberData(nameof(GoodQualifiedNames))]
    public void GoodQualifiedName(string value) => Assert.Empty(NameValidation.IsQualifiedName(value));

    [Theory]
    [MemberData(nameof(BadQualifiedNames))]
    public void BadQualifiedName(string value) => Assert.NotEmpty(NameValidation.IsQualifiedName(value));

    [Theory]
    [MemberData(nameof(GoodLabelValues))]
    public void GoodLabelValue(string value) => Assert.Empty(NameValidation.IsValidLabelValue(value));

    [Theory]
    [MemberData(nameof(BadLabelValues))]
    public void BadLabelValue(string value) => Assert.NotEmpty(NameValidation.IsValidLabelValue(value));

    [Fact]
    public void SubdomainMessages()
    {
        Assert.Equal([SubdomainMessage], NameValidation.IsDns1123Subdomain("Hello"));
        Assert.Equal(["must be no more than 253 characters"], NameValidation.IsDns1123Subdomain(new string('a', 254)));
        Assert.Equal(["must be no more than 253 characters", SubdomainMessage], NameValidation.IsDns1123Subdomain(new string('A', 254)));
    }

    [Fact]
    public void LabelMessages()
    {
        Assert.Equal([LabelMessage], NameValidation.IsDns1123Label("Hello"));
        Assert.Equal(["must not contain dots"], NameValidation.IsDns1123Label("a.b"));
        Assert.Equal(["must be no more than 63 characters"], NameValidation.IsDns1123Label(new string('a', 64)));
        Assert.Equal(
            ["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"],
            NameValidation.IsDns1035Label("1abc"));
    }

    [Fact]
    public void QualifiedNameMessages()
    {
        const string NamePart = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
        Assert.Equal(["name part " + NamePart], NameValidation.IsQualifiedName("-a"));
        Assert.Equal(["prefix part " + NameValidation.EmptyError()], NameValidation.IsQualifiedName("/simple"));
        Assert.Equal(["name part must be non-empty", "name part " + NamePart], NameValidation.IsQualifiedName("example.com/"));
        Assert.Equal(["prefix part " + SubdomainMessage], NameValidation.IsQualifiedName("Example.com/abc"));
        Assert.Equal(["name part must be no more than 63 characters"], NameValidation.IsQualifiedName(new string('a', 64)));
        Assert.Equal(
            ["a qualified name " + NamePart + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"],
            NameValidation.IsQualifiedName("only/one/slash"));
    }

    [Fact]
    public void LabelValueMessages()
    {
        Assert.Equal(
            ["must be no more than 63 characters",
             "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"],
            NameValidation.IsValidLabelValue(new string('a', 63) + "-"));
    }

    // pkg/api/validation/generic.go: a generateName may end with '-'.
    [Theory]
    [InlineData("web-", true, true)]
    [InlineData("web-", false, false)]
    [InlineData("web", true, true)]
    [InlineData("-", true, false)]
    [InlineData("a-", true, true)]
    [InlineData("Web-", true, false)]
    public void GenerateNamePrefix(string name, bool prefix, bool valid)
    {
        Assert.Equal(valid, NameValidation.NameIsDnsSubdomain(name, prefix).Count == 0);
        Assert.Equal(valid, NameValidation.NameIsDnsLabel(name, prefix).Count == 0);
    }

    [Fact]
    public void PathSegmentNames()
    {
        Assert.Equal(["may not be '.'"], NameValidation.IsValidPathSegmentName("."));
        Assert.Equal(["may not be '..'"], NameValidation.IsValidPathSegmentName(".."));
        Assert.Equal(["may not contain '/'", "may not contain '%'"], NameValidation.IsValidPathSegmentName("a/b%c"));
        Assert.Empty(NameValidation.IsValidPathSegmentName("a.b"));
    }

    [Fact]
    public void AnnotationSizeCountsKeysAndValues()
    {
        var annotations = new Dictionary<string, string> { ["a"] = new string('x', NameValidation.TotalAnnotationSizeLimitBytes - 1) };
        Assert.Equal(NameValidation.TotalAnnotationSizeLimitBytes, NameValidation.AnnotationsSize(annotations));
        Assert.False(NameValidation.AnnotationsTooLarge(annotations));
        annotations["b"] = "";
        Assert.True(NameValidation.AnnotationsTooLarge(annotations));
        Assert.Equal("must have at most 262144 bytes", NameValidation.AnnotationsTooLongDetail);
    }

    [Fact]
    public void AnnotationKeysIgnoreCase()
    {
        var annotations = new Dictionary<string, string> { ["Example.com/Key"] = "v", ["bad key"] = "v" };
        var errors = NameValidation.ValidateAnnotationKeys(annotations);
        Assert.Single(errors);
        Assert.Equal("bad key", errors[0].Value);
    }

    [Fact]
    public void LabelsReportKeyAndValue()
    {
        var errors = NameValidation.ValidateLabels(new Dictionary<string, string> { ["-k"] = "-v", ["ok"] = "fine" });
        Assert.Equal(["-k", "-v"], errors.Select(e => e.Value));
    }

    [Fact]
    public void PortsConfigKeysAndIdentifiers()
    {
        Assert.Empty(NameValidation.IsValidPortName("http"));
        Assert.Equal(["must contain at least one letter (a-z)"], NameValidation.IsValidPortName("123"));
        Assert.Equal(["must not contain consecutive hyphens"], NameValidation.IsValidPortName("a--b"));
        Assert.Equal(["must be between 1 and 65535, inclusive"], NameValidation.IsValidPortNum(0));
        Assert.Empty(NameValidation.IsConfigMapKey("key.name"));
        Assert.Equal(["must not start with '..'"], NameValidation.IsConfigMapKey("..a"));
        Assert.Empty(NameValidation.IsCIdentifier("MY_NAME"));
        Assert.NotEmpty(NameValidation.IsCIdentifier("1abc"));
    }
}
