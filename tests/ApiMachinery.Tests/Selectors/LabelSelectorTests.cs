using k8s.Models;
using KubeNet.ApiMachinery.Selectors;

namespace KubeNet.ApiMachinery.Tests.Selectors;

// Cases from staging/src/k8s.io/apimachinery/pkg/labels/selector_test.go unless noted.
public sealed class LabelSelectorTests
{
    private static Dictionary<string, string> Set(params string[] pairs)
    {
        var set = new Dictionary<string, string>();
        for (var i = 0; i < pairs.Length; i += 2)
        {
            set[pairs[i]] = pairs[i + 1];
        }
        return set;
    }

    [Theory]
    [InlineData("x=a,y=b,z=c")]
    [InlineData("")]
    [InlineData("x!=a,y=b")]
    [InlineData("x=")]
    [InlineData("x= ")]
    [InlineData("x=,z= ")]
    [InlineData("x= ,z= ")]
    [InlineData("!x")]
    [InlineData("x>1")]
    [InlineData("x>1,z<5")]
    public void GoodStringsParseAndPrintWithoutSpaces(string text)
    {
        Assert.True(LabelSelector.TryParse(text, out var selector, out var error), error);
        Assert.Equal(text.Replace(" ", "", StringComparison.Ordinal), selector.ToString());
    }

    [Theory]
    [InlineData("x=a||y=b")]
    [InlineData("x==a==b")]
    [InlineData("!x=a")]
    [InlineData("x<a")]
    public void BadStringsFail(string text)
    {
        Assert.False(LabelSelector.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void ParseIsDeterministic()
    {
        Assert.Equal(LabelSelector.Parse("x=a,a=x").ToString(), LabelSelector.Parse("a=x,x=a").ToString());
        Assert.Equal("a=x,x=a", LabelSelector.Parse("x=a,a=x").ToString());
    }

    [Fact]
    public void EverythingMatchesAllAndIsEmpty()
    {
        Assert.True(LabelSelector.Everything.Matches(Set("x", "y")));
        Assert.True(LabelSelector.Everything.Matches(null));
        Assert.True(LabelSelector.Everything.IsEmpty);
        Assert.Same(LabelSelector.Everything, LabelSelector.Parse(""));
        Assert.Same(LabelSelector.Everything, LabelSelector.Parse(null));
        Assert.False(LabelSelector.Nothing.Matches(Set("x", "y")));
        Assert.False(LabelSelector.Nothing.IsEmpty);
    }

    [Theory]
    [InlineData("", true, "x", "y")]
    [InlineData("x=y", true, "x", "y")]
    [InlineData("x=y,z=w", true, "x", "y", "z", "w")]
    [InlineData("x!=y,z!=w", true, "x", "z", "z", "a")]
    [InlineData("notin=in", true, "notin", "in")]
    [InlineData("x", true, "x", "z")]
    [InlineData("!x", true, "y", "z")]
    [InlineData("x>1", true, "x", "2")]
    [InlineData("x<1", true, "x", "0")]
    [InlineData("x=z", false)]
    [InlineData("x=y", false, "x", "z")]
    [InlineData("x=y,z=w", false, "x", "w", "z", "w")]
    [InlineData("x!=y,z!=w", false, "x", "z", "z", "w")]
    [InlineData("x", false, "y", "z")]
    [InlineData("!x", false, "x", "z")]
    [InlineData("x>1", false, "x", "0")]
    [InlineData("x<1", false, "x", "2")]
    [InlineData("foo=bar", true, "foo", "bar", "baz", "blah")]
    [InlineData("baz=blah", true, "foo", "bar", "baz", "blah")]
    [InlineData("foo=bar,baz=blah", true, "foo", "bar", "baz", "blah")]
    [InlineData("foo=blah", false, "foo", "bar", "baz", "blah")]
    [InlineData("baz=bar", false, "foo", "bar", "baz", "blah")]
    [InlineData("foo=bar,foobar=bar,baz=blah", false, "foo", "bar", "baz", "blah")]
    // Gt/Lt compare integers and never match a non-integer label value.
    [InlineData("z>1", false, "z", "v2")]
    [InlineData("z<5", true, "z", "-2")]
    [InlineData("z>05", true, "z", "6")]
    [InlineData("x in (a,b)", true, "x", "b")]
    [InlineData("x in (a,b)", false, "x", "c")]
    [InlineData("x in (a,b)", false)]
    [InlineData("x notin (a,b)", true)]
    [InlineData("x notin (a,b)", true, "x", "c")]
    [InlineData("x notin (a,b)", false, "x", "a")]
    [InlineData("x in ()", true, "x", "")]
    public void Matches(string text, bool expected, params string[] labels)
    {
        Assert.Equal(expected, LabelSelector.Parse(text).Matches(Set(labels)));
    }

    [Theory]
    [InlineData("\rx", "x")]
    [InlineData("this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash")]
    [InlineData("this-is-another-dns.domain.com/key-with-dash in (so,what)", "this-is-another-dns.domain.com/key-with-dash in (so,what)")]
    [InlineData("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)", "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)")]
    [InlineData("foo  in\t (abc)", "foo in (abc)")]
    [InlineData("x notin\n (abc)", "x notin (abc)")]
    [InlineData("x  notin\t\t\t(abc,def)", "x notin (abc,def)")]
    [InlineData("x in (abc,def)", "x in (abc,def)")]
    [InlineData("x in (abc,)", "x in (,abc)")]
    [InlineData("x in ()", "x in ()")]
    [InlineData("x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()")]
    [InlineData("x,y in (a)", "x,y in (a)")]
    [InlineData("x=a", "x=a")]
    [InlineData("x>1", "x>1")]
    [InlineData("x<7", "x<7")]
    [InlineData("x=a,y!=b", "x=a,y!=b")]
    [InlineData("x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)")]
    [InlineData("x=a||y=b", null)]
    [InlineData("x,,y", null)]
    [InlineData(",x,y", null)]
    [InlineData("x nott in (y)", null)]
    [InlineData("x notin ( )", "x notin ()")]
    [InlineData("x notin (, a)", "x notin (,a)")]
    [InlineData("a in (xyz),", null)]
    [InlineData("a in (xyz)b notin ()", null)]
    [InlineData("a ", "a")]
    [InlineData("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)")]
    [InlineData("a in (xyz abc)", null)]
    [InlineData("a notin(", null)]
    [InlineData("a (", null)]
    [InlineData("(", null)]
    public void SetSelectorParser(string text, string? expected)
    {
        var ok = LabelSelector.TryParse(text, out var selector, out var error);
        if (expected is null)
        {
            Assert.False(ok);
            Assert.NotNull(error);
        }
        else
        {
            Assert.True(ok, error);
            Assert.Equal(expected, selector!.ToString());
        }
    }

    // Messages as labels.Parse returns them; the API server sends them in a 400 Status.
    [Theory]
    [InlineData("x=a||y=b", "unable to parse requirement: values[0][x]: Invalid value: \"a||y\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")]
    [InlineData("x<a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer")]
    [InlineData("!x=a", "found '=', expected: ',' or 'end of string'")]
    [InlineData("x==a==b", "found '==', expected: ',' or 'end of string'")]
    [InlineData("x in (a", "unable to parse requirement: found '', expected: ',' or ')'")]
    [InlineData("x in a", "unable to parse requirement: found 'a' expected: '('")]
    [InlineData("x in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier")]
    [InlineData("x in (a=)", "unable to parse requirement: found '=', expected: ',' or ')'")]
    [InlineData("x,", "found '', expected: identifier after ','")]
    [InlineData("=a", "found '=', expected: !, identifier, or 'end of string'")]
    [InlineData("x y", "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt")]
    [InlineData("x=(", "unable to parse requirement: found '(', expected: identifier")]
    [InlineData("!=a", "found '!=', expected: !, identifier, or 'end of string'")]
    [InlineData("!,a", "unable to parse requirement: found ',', expected: identifier")]
    [InlineData("x/y/z=a", "unable to parse requirement: : Invalid value: \"x/y/z\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")]
    [InlineData("-x", "unable to parse requirement: : Invalid value: \"-x\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")]
    public void ErrorMessagesMatchUpstream(string text, string expected)
    {
        Assert.False(LabelSelector.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void ParseThrowsFormatExceptionWithTheMessage()
    {
        var e = Assert.Throws<FormatException>(() => LabelSelector.Parse("x,"));
        Assert.Equal("found '', expected: identifier after ','", e.Message);
    }

    [Fact]
    public void RequirementsAreSortedByKeyAndValuesSortedAndUnique()
    {
        var selector = LabelSelector.Parse("z in (b,a,b),a=1,m");
        Assert.Equal(["a", "m", "z"], selector.Requirements.Select(r => r.Key));
        Assert.Equal(["a", "b"], selector.Requirements[2].Values);
        Assert.Equal(LabelOperator.In, selector.Requirements[2].Operator);
        Assert.Equal(LabelOperator.Exists, selector.Requirements[1].Operator);
    }

    [Fact]
    public void InAndNotInAreValuesAfterAnOperator()
    {
        var selector = LabelSelector.Parse("notin=in");
        Assert.Equal(LabelOperator.Equals, selector.Requirements[0].Operator);
        Assert.Equal("notin", selector.Requirements[0].Key);
        Assert.Equal(["in"], selector.Requirements[0].Values);
    }

    [Theory]
    [InlineData("x=a", "x", "a")]
    [InlineData("x==a", "x", "a")]
    [InlineData("x in (a)", "x", "a")]
    [InlineData("y=b,x=a", "x", "a")]
    [InlineData("x in (a,b)", "x", null)]
    [InlineData("x!=a", "x", null)]
    [InlineData("x", "x", null)]
    [InlineData("y=a", "x", null)]
    public void ExactMatch(string text, string label, string? expected)
    {
        var found = LabelSelector.Parse(text).TryGetExactMatch(label, out var value);
        Assert.Equal(expected is not null, found);
        Assert.Equal(expected, value);
    }

    [Fact]
    public void RequirementConstructor()
    {
        Assert.False(LabelRequirement.TryCreate("x", LabelOperator.In, null, out _, out _));
        Assert.False(LabelRequirement.TryCreate("x", LabelOperator.NotIn, [], out _, out _));
        Assert.True(LabelRequirement.TryCreate("x", LabelOperator.In, ["foo"], out _, out _));
        Assert.True(LabelRequirement.TryCreate("x", LabelOperator.NotIn, ["foo"], out _, out _));
        Assert.True(LabelRequirement.TryCreate("x", LabelOperator.Exists, null, out _, out _));
        Assert.True(LabelRequirement.TryCreate("x", LabelOperator.DoesNotExist, null, out _, out _));
        Assert.True(LabelRequirement.TryCreate("1foo", LabelOperator.In, ["bar"], out _, out _));
        Assert.True(LabelRequirement.TryCreate("1234", LabelOperator.In, ["bar"], out _, out _));
        Assert.True(LabelRequirement.TryCreate("y", LabelOperator.GreaterThan, ["1"], out _, out _));
        Assert.True(LabelRequirement.TryCreate("z", LabelOperator.LessThan, ["6"], out _, out _));
        Assert.False(LabelRequirement.TryCreate("foo", LabelOperator.GreaterThan, ["bar"], out _, out _));
        Assert.False(LabelRequirement.TryCreate("barz", LabelOperator.LessThan, ["blah"], out _, out _));
        Assert.False(LabelRequirement.TryCreate(new string('a', 254), LabelOperator.Exists, null, out _, out _));
    }

    [Fact]
    public void RequirementErrorsAggregateLikeUpstream()
    {
        Assert.False(LabelRequirement.TryCreate("x", LabelOperator.Exists, ["a", "b"], out _, out var error));
        Assert.Equal("values: Invalid value: []string{\"a\", \"b\"}: values set must be empty for exists and does not exist", error);

        Assert.False(LabelRequirement.TryCreate("-x", LabelOperator.Equals, [], out _, out error));
        Assert.Equal(
            "[key: Invalid value: \"-x\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), " +
            "values: Invalid value: []string(nil): exact-match compatibility requires one single value]",
            error);
    }

    [Fact]
    public void ToStringOfRequirements()
    {
        static LabelRequirement R(string key, LabelOperator op, params string[] values)
        {
            Assert.True(LabelRequirement.TryCreate(key, op, values, out var r, out var error), error);
            return r;
        }
        Assert.Equal("x in (abc,def)", R("x", LabelOperator.In, "def", "abc").ToString());
        Assert.Equal("y notin (jkl)", R("y", LabelOperator.NotIn, "jkl").ToString());
        Assert.Equal("z", R("z", LabelOperator.Exists).ToString());
        Assert.Equal("!z", R("z", LabelOperator.DoesNotExist).ToString());
        Assert.Equal("z notin ()", R("z", LabelOperator.NotIn, "").ToString());
        Assert.Equal("y==jkl", R("y", LabelOperator.DoubleEquals, "jkl").ToString());
        Assert.Equal("z!=a", R("z", LabelOperator.NotEquals, "a").ToString());
        Assert.Equal("x>2", R("x", LabelOperator.GreaterThan, "2").ToString());
        Assert.Equal("y<8", R("y", LabelOperator.LessThan, "8").ToString());
    }

    [Fact]
    public void FromSetMatchesExactly()
    {
        var labels = Set("foo", "bar", "baz", "blah");
        Assert.True(LabelSelector.FromSet(Set()).Matches(labels));
        Assert.True(LabelSelector.FromSet(Set("foo", "bar")).Matches(labels));
        Assert.True(LabelSelector.FromSet(Set("foo", "bar", "baz", "blah")).Matches(labels));
        Assert.False(LabelSelector.FromSet(Set("foo", "bar", "x", "y")).Matches(labels));
        Assert.True(LabelSelector.FromSet(null).IsEmpty);
        Assert.Equal("baz=blah,foo=bar", LabelSelector.FromSet(Set("foo", "bar", "baz", "blah")).ToString());
    }

    // metav1.LabelSelectorAsSelector (apis/meta/v1/helpers.go).
    [Fact]
    public void FromV1LabelSelector()
    {
        Assert.True(LabelSelector.TryFromLabelSelector((V1LabelSelector?)null, out var nothing, out _));
        Assert.Same(LabelSelector.Nothing, nothing);

        Assert.True(LabelSelector.TryFromLabelSelector(new V1LabelSelector(), out var everything, out _));
        Assert.Same(LabelSelector.Everything, everything);

        var v1 = new V1LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { ["app"] = "web" },
            MatchExpressions =
            [
                new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "In", Values = ["frontend", "backend"] },
                new V1LabelSelectorRequirement { Key = "env", OperatorProperty = "NotIn", Values = ["dev"] },
                new V1LabelSelectorRequirement { Key = "canary", OperatorProperty = "DoesNotExist" },
                new V1LabelSelectorRequirement { Key = "zone", OperatorProperty = "Exists" },
            ],
        };
        Assert.True(LabelSelector.TryFromLabelSelector(v1, out var selector, out var error), error);
        Assert.Equal("app=web,!canary,env notin (dev),tier in (backend,frontend),zone", selector.ToString());
        Assert.True(selector.Matches(Set("app", "web", "tier", "backend", "zone", "a")));
        Assert.False(selector.Matches(Set("app", "web", "tier", "backend", "zone", "a", "canary", "1")));
        Assert.False(selector.Matches(Set("app", "web", "tier", "backend", "zone", "a", "env", "dev")));
        Assert.False(selector.Matches(Set("app", "web", "tier", "backend")));
    }

    [Fact]
    public void FromLabelSelectorErrors()
    {
        Assert.False(LabelSelector.TryFromLabelSelector(null, [new LabelSelectorExpression("x", "Foo", null)], out _, out var error));
        Assert.Equal("\"Foo\" is not a valid label selector operator", error);

        Assert.False(LabelSelector.TryFromLabelSelector(null, [new LabelSelectorExpression("x", "In", [])], out _, out error));
        Assert.Equal("values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty", error);

        Assert.False(LabelSelector.TryFromLabelSelector(new Dictionary<string, string> { ["a"] = "-b" }, null, out _, out error));
        Assert.StartsWith("values[0][a]: Invalid value: \"-b\": a valid label must be", error, StringComparison.Ordinal);
    }
}
