using KubeNet.ApiMachinery.Selectors;

namespace KubeNet.ApiMachinery.Tests.Selectors;

// Cases from staging/src/k8s.io/apimachinery/pkg/fields/selector_test.go unless noted.
public sealed class FieldSelectorTests
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
    [InlineData(@"x=a||y\=b")]
    [InlineData(@"x=a\=\=b")]
    [InlineData(@"x=a\,b")]
    [InlineData(@"x=a\\b")]
    public void GoodStringsRoundTrip(string text)
    {
        Assert.True(FieldSelector.TryParse(text, out var selector, out var error), error);
        Assert.Equal(text, selector.ToString());
    }

    [Theory]
    [InlineData("x=a||y=b", "invalid field selector: unescaped character in value: 61")]
    [InlineData("x==a==b", "invalid field selector: unescaped character in value: 61")]
    [InlineData("x=a,b", "invalid selector: 'x=a,b'; can't understand 'b'")]
    [InlineData("x in (a)", "invalid selector: 'x in (a)'; can't understand 'x in (a)'")]
    [InlineData("x in (a,b,c)", "invalid selector: 'x in (a,b,c)'; can't understand 'b'")]
    [InlineData("x", "invalid selector: 'x'; can't understand 'x'")]
    [InlineData(@"x=a\b", @"invalid field selector: invalid escape sequence: \b")]
    [InlineData(@"x=a\", @"invalid field selector: invalid escape sequence: \")]
    public void BadStringsFailWithUpstreamMessages(string text, string expected)
    {
        Assert.False(FieldSelector.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("", true, "x", "y")]
    [InlineData("x=y", true, "x", "y")]
    [InlineData("x=y,z=w", true, "x", "y", "z", "w")]
    [InlineData("x!=y,z!=w", true, "x", "z", "z", "a")]
    [InlineData("notin=in", true, "notin", "in")]
    [InlineData("x=y", false, "x", "z")]
    [InlineData("x=y,z=w", false, "x", "w", "z", "w")]
    [InlineData("x!=y,z!=w", false, "x", "z", "z", "w")]
    [InlineData("foo=bar", true, "foo", "bar", "baz", "blah")]
    [InlineData("baz=blah", true, "foo", "bar", "baz", "blah")]
    [InlineData("foo=bar,baz=blah", true, "foo", "bar", "baz", "blah")]
    [InlineData("foo=blah", false, "foo", "bar", "baz", "blah")]
    [InlineData("baz=bar", false, "foo", "bar", "baz", "blah")]
    [InlineData("foo=bar,foobar=bar,baz=blah", false, "foo", "bar", "baz", "blah")]
    // A missing field reads as "".
    [InlineData("spec.nodeName=", true)]
    [InlineData("spec.nodeName!=", false)]
    [InlineData(@"x=a\,b", true, "x", "a,b")]
    public void Matches(string text, bool expected, params string[] fields)
    {
        var selector = FieldSelector.Parse(text);
        var set = Set(fields);
        Assert.Equal(expected, selector.Matches(set));
        Assert.Equal(expected, selector.Matches(f => set.GetValueOrDefault(f)));
        Assert.Equal(expected, selector.Matches(set, static (s, f) => s.GetValueOrDefault(f)));
    }

    [Fact]
    public void TermsAreSortedAndExposed()
    {
        var selector = FieldSelector.Parse("status.phase!=Running,metadata.name==web-1,spec.nodeName=n1");
        Assert.Equal(
            [
                new FieldSelectorTerm("metadata.name", FieldOperator.Equals, "web-1"),
                new FieldSelectorTerm("spec.nodeName", FieldOperator.Equals, "n1"),
                new FieldSelectorTerm("status.phase", FieldOperator.NotEquals, "Running"),
            ],
            selector.Terms);
        Assert.Equal(["metadata.name", "spec.nodeName", "status.phase"], selector.RequiredFields);
        Assert.True(selector.TryGetExactMatch("metadata.name", out var name));
        Assert.Equal("web-1", name);
        Assert.False(selector.TryGetExactMatch("status.phase", out _));
        Assert.Equal("metadata.name=web-1,spec.nodeName=n1,status.phase!=Running", selector.ToString());
    }

    [Fact]
    public void UnsupportedFieldUsesTheUpstreamMessage()
    {
        var allowed = new HashSet<string> { "metadata.name", "metadata.namespace" };
        Assert.Null(FieldSelector.Parse("metadata.name=a").FindUnsupportedField(allowed.Contains));
        Assert.Equal("field label not supported: spec.foo",
            FieldSelector.Parse("metadata.name=a,spec.foo=b,spec.zed=c").FindUnsupportedField(allowed.Contains));
    }

    [Fact]
    public void EverythingAndEmptyTerms()
    {
        Assert.Same(FieldSelector.Everything, FieldSelector.Parse(""));
        Assert.Same(FieldSelector.Everything, FieldSelector.Parse(",,"));
        Assert.True(FieldSelector.Everything.IsEmpty);
        Assert.True(FieldSelector.Everything.Matches(Set("a", "b")));
    }

    [Fact]
    public void OneTermEqualsAndEscaping()
    {
        var selector = FieldSelector.OneTermEquals("metadata.name", "a=b,c");
        Assert.Equal(@"metadata.name=a\=b\,c", selector.ToString());
        Assert.True(selector.Matches(Set("metadata.name", "a=b,c")));
        Assert.Equal(@"a\\b\,c\=d", FieldSelector.EscapeValue(@"a\b,c=d"));
        Assert.Equal("plain", FieldSelector.EscapeValue("plain"));
        Assert.Equal("a=b,c=d", FieldSelector.FromSet(Set("c", "d", "a", "b")).ToString());
    }
}
