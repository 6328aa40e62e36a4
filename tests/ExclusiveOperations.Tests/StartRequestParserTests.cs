using System.Text;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using ExclusiveOperations.Starter;

namespace ExclusiveOperations.Tests;

public sealed class StartRequestParserTests
{
    private static readonly StartRequestParser Parser = new(new OperationCatalog([new WaitOperation(), new CompactOperation(new DataContainers { Containers = "data" })]));

    private static Task<StartDecision> Parse(string? operation, string body) =>
        Parser.ParseAsync(operation, new MemoryStream(Encoding.UTF8.GetBytes(body)));

    public static TheoryData<string, string, string> BadBodies => new()
    {
        // malformed JSON
        { "wait", "{", "malformed JSON" },
        { "wait", "{\"seconds\": }", "malformed JSON" },
        { "wait", "{\"seconds\": 1,}", "malformed JSON" },
        { "wait", "{'seconds': 1}", "malformed JSON" },
        { "wait", "{seconds: 1}", "malformed JSON" },
        { "wait", "{\"seconds\": 1} trailing", "malformed JSON" },
        { "wait", "{\"seconds\": 1}{}", "malformed JSON" },
        { "wait", "nul", "malformed JSON" },
        { "wait", "{\"seconds\": 01}", "malformed JSON" },
        { "wait", "{\"seconds\": NaN}", "malformed JSON" },
        { "wait", "{\"seconds\": 1 /* c */}", "malformed JSON" },
        { "wait", "\"unterminated", "malformed JSON" },
        { "wait", "{\"a\":\"\\x\"}", "malformed JSON" },
        { "wait", new string('[', 100) + new string(']', 100), "malformed JSON" },
        // not an object
        { "wait", "[]", "body must be a JSON object" },
        { "wait", "[{\"seconds\":1}]", "body must be a JSON object" },
        { "wait", "\"text\"", "body must be a JSON object" },
        { "wait", "42", "body must be a JSON object" },
        { "wait", "true", "body must be a JSON object" },
        { "wait", "null", "body must be a JSON object" },
        // lockKey
        { "wait", "{\"seconds\":1,\"lockKey\":\"\"}", "invalid lockKey" },
        { "wait", "{\"seconds\":1,\"lockKey\":\"   \"}", "invalid lockKey" },
        { "wait", "{\"seconds\":1,\"lockKey\":null}", "invalid lockKey" },
        { "wait", "{\"seconds\":1,\"lockKey\":5}", "invalid lockKey" },
        { "wait", "{\"seconds\":1,\"lockKey\":true}", "invalid lockKey" },
        { "wait", "{\"seconds\":1,\"lockKey\":[\"a\"]}", "invalid lockKey" },
        { "wait", "{\"seconds\":1,\"lockKey\":{\"k\":1}}", "invalid lockKey" },
        { "wait", "{\"seconds\":1,\"lockKey\":\"a\\u0000b\"}", "invalid lockKey" },
        { "wait", "{\"seconds\":1,\"lockKey\":\"line\\nbreak\"}", "invalid lockKey" },
        { "wait", "{\"seconds\":1,\"lockKey\":\"" + new string('k', 257) + "\"}", "invalid lockKey" },
        // wait input
        { "wait", "", "invalid input for operation 'wait'" },
        { "wait", "{}", "invalid input for operation 'wait'" },
        { "wait", "{\"seconds\":null}", "invalid input for operation 'wait'" },
        { "wait", "{\"seconds\":\"5\"}", "invalid input for operation 'wait'" },
        { "wait", "{\"seconds\":true}", "invalid input for operation 'wait'" },
        { "wait", "{\"seconds\":[5]}", "invalid input for operation 'wait'" },
        { "wait", "{\"seconds\":{\"v\":5}}", "invalid input for operation 'wait'" },
        { "wait", "{\"seconds\":-1}", "invalid input for operation 'wait'" },
        { "wait", "{\"seconds\":604801}", "invalid input for operation 'wait'" },
        { "wait", "{\"seconds\":1e400}", "invalid input for operation 'wait'" },
        { "wait", "{\"Seconds\":5}", "invalid input for operation 'wait'" },
        // compact input
        { "compact", "{}", "invalid input for operation 'compact'" },
        { "compact", "{\"container\":\"data\"}", "invalid input for operation 'compact'" },
        { "compact", "{\"prefix\":\"p/\"}", "invalid input for operation 'compact'" },
        { "compact", "{\"container\":\"Data\",\"prefix\":\"p/\"}", "invalid input for operation 'compact'" },
        { "compact", "{\"container\":\"a\",\"prefix\":\"p/\"}", "invalid input for operation 'compact'" },
        { "compact", "{\"container\":\"bad--name\",\"prefix\":\"p/\"}", "invalid input for operation 'compact'" },
        { "compact", "{\"container\":\"-data\",\"prefix\":\"p/\"}", "invalid input for operation 'compact'" },
        { "compact", "{\"container\":\"data\\n\",\"prefix\":\"p/\"}", "invalid input for operation 'compact'" },
        { "compact", "{\"container\":5,\"prefix\":\"p/\"}", "invalid input for operation 'compact'" },
        { "compact", "{\"container\":\"data\",\"prefix\":\"\"}", "invalid input for operation 'compact'" },
        { "compact", "{\"container\":\"data\",\"prefix\":[\"p\"]}", "invalid input for operation 'compact'" },
        { "compact", "{\"container\":\"data\",\"prefix\":\"p/\",\"target\":7}", "invalid input for operation 'compact'" },
        { "compact", "{\"container\":\"data\",\"prefix\":\"p/\",\"target\":\" \"}", "invalid input for operation 'compact'" },
        { "compact", "{\"container\":\"data\",\"prefix\":\"p/\",\"target\":\".compact-journal/x\"}", "invalid input for operation 'compact'" },
        { "compact", "{\"container\":\"data\",\"prefix\":\"" + new string('p', 513) + "\"}", "invalid input for operation 'compact'" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_bodies_are_refused_with_400_and_a_detail(string operation, string body, string error)
    {
        var refuse = Assert.IsType<StartDecision.Refuse>(await Parse(operation, body));
        Assert.Equal(400, refuse.StatusCode);
        Assert.Equal(error, refuse.Error);
        Assert.False(string.IsNullOrWhiteSpace(refuse.Detail));
    }

    [Theory]
    [InlineData("")]
    [InlineData("wait now")]
    [InlineData("wait/now")]
    [InlineData("wait.now")]
    [InlineData("wait\n")]
    [InlineData("wäit")]
    [InlineData("wait%20")]
    [InlineData("x123456789x123456789x123456789x123456789x123456789x123456789x1234")]
    [InlineData(null)]
    public async Task Operation_names_outside_the_allowed_characters_are_400(string? operation)
    {
        var refuse = Assert.IsType<StartDecision.Refuse>(await Parse(operation, "{\"seconds\":1}"));
        Assert.Equal(400, refuse.StatusCode);
        Assert.Equal("invalid operation name", refuse.Error);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("Wait")]
    [InlineData("WAIT")]
    public async Task Unknown_operations_are_404_and_list_the_known_ones(string operation)
    {
        var refuse = Assert.IsType<StartDecision.Refuse>(await Parse(operation, "{}"));
        Assert.Equal(404, refuse.StatusCode);
        Assert.Contains("compact, wait", refuse.Detail);
    }

    [Fact]
    public async Task A_body_over_one_megabyte_is_400_even_without_a_content_length()
    {
        var body = "{\"seconds\":1,\"pad\":\"" + new string('x', StartRequestParser.MaxBodyBytes) + "\"}";
        var refuse = Assert.IsType<StartDecision.Refuse>(await Parse("wait", body));
        Assert.Equal("body too large", refuse.Error);
    }

    [Fact]
    public async Task Invalid_utf8_is_malformed_json()
    {
        var decision = await Parser.ParseAsync("wait", new MemoryStream([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']));
        Assert.Equal("malformed JSON", Assert.IsType<StartDecision.Refuse>(decision).Error);
    }

    [Fact]
    public async Task The_lock_key_defaults_to_the_operation_name()
    {
        var start = Assert.IsType<StartDecision.Start>(await Parse("wait", "{\"seconds\": 2.5}"));
        Assert.Equal("wait", start.Request.LockKey);
        Assert.Equal(2.5, start.Request.Input["seconds"]!.GetValue<double>());
    }

    [Fact]
    public async Task An_explicit_lock_key_is_used_and_extra_fields_are_kept()
    {
        var start = Assert.IsType<StartDecision.Start>(await Parse("wait", "{\"lockKey\":\"sales/2026\",\"seconds\":1,\"note\":1}"));
        Assert.Equal("sales/2026", start.Request.LockKey);
        Assert.Equal("wait", start.Request.Operation);
        Assert.Equal(1, start.Request.Input["note"]!.GetValue<int>());
    }

    [Fact]
    public async Task Compact_locks_on_a_key_derived_from_container_and_prefix_and_refuses_another()
    {
        var start = Assert.IsType<StartDecision.Start>(await Parse("compact", "{\"container\":\"data\",\"prefix\":\"in/\"}"));
        Assert.Equal("compact:data/in/", start.Request.LockKey);
        var same = Assert.IsType<StartDecision.Start>(await Parse("compact", "{\"lockKey\":\"compact:data/in/\",\"container\":\"data\",\"prefix\":\"in/\"}"));
        Assert.Equal("compact:data/in/", same.Request.LockKey);

        var other = Assert.IsType<StartDecision.Refuse>(await Parse("compact", "{\"lockKey\":\"mine\",\"container\":\"data\",\"prefix\":\"in/\"}"));
        Assert.Equal(400, other.StatusCode);
        Assert.Contains("derived from its input ('compact:data/in/')", other.Detail);
    }

    [Fact]
    public async Task Compact_refuses_a_container_outside_the_allow_list()
    {
        var refuse = Assert.IsType<StartDecision.Refuse>(await Parse("compact", "{\"container\":\"exclusive-operation-locks\",\"prefix\":\"in/\"}"));
        Assert.Equal(400, refuse.StatusCode);
        Assert.Contains("'exclusive-operation-locks' is not one the operations may use; allowed: data", refuse.Detail);
    }

    [Theory]
    [InlineData("exclusive-operation-locks")]
    [InlineData("azure-webjobs-hosts")]
    [InlineData("exclusiveoperations-leases")]
    [InlineData("exclusiveoperations-largemessages")]
    public void The_allow_list_can_never_name_the_locks_or_the_hosts_own_containers(string container)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new DataContainers { Containers = $"data, {container}" }.Validate(new LockOptions()));
        Assert.Contains(container, error.Message);
    }

    [Theory]
    [InlineData("{\"seconds\":1}", "from-query", "from-query")]
    [InlineData("{\"seconds\":1,\"lockKey\":\"same\"}", "same", "same")]
    [InlineData("{\"seconds\":1,\"lockKey\":\"body\"}", null, "body")]
    public async Task The_lock_key_may_come_from_the_query(string body, string? query, string expected)
    {
        var start = Assert.IsType<StartDecision.Start>(await Parser.ParseAsync("wait", new MemoryStream(Encoding.UTF8.GetBytes(body)), new StartQuery(query, null)));
        Assert.Equal(expected, start.Request.LockKey);
    }

    [Theory]
    [InlineData("{\"seconds\":1,\"lockKey\":\"body\"}", "query")]
    [InlineData("{\"seconds\":1}", "")]
    [InlineData("{\"seconds\":1}", "a\u0001")]
    public async Task A_bad_or_contradictory_query_lock_key_is_400(string body, string query)
    {
        var refuse = Assert.IsType<StartDecision.Refuse>(await Parser.ParseAsync("wait", new MemoryStream(Encoding.UTF8.GetBytes(body)), new StartQuery(query, null)));
        Assert.Equal("invalid lockKey", refuse.Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("run\n1")]
    public async Task Invalid_caller_ids_are_400(string callerId)
    {
        var refuse = Assert.IsType<StartDecision.Refuse>(await Parser.ParseAsync("wait", new MemoryStream(Encoding.UTF8.GetBytes("{\"seconds\":1}")), new StartQuery(null, callerId)));
        Assert.Equal("invalid callerId", refuse.Error);
        Assert.Contains("caller id", refuse.Detail);
    }

    [Fact]
    public async Task The_caller_id_reaches_the_orchestration_input()
    {
        var start = Assert.IsType<StartDecision.Start>(await Parser.ParseAsync("wait", new MemoryStream(Encoding.UTF8.GetBytes("{\"seconds\":1}")), new StartQuery("k", "run-42")));
        Assert.Equal("run-42", start.Request.CallerId);
    }

    [Fact]
    public async Task An_empty_body_is_an_empty_input()
    {
        // wait needs 'seconds', so an empty body reaches the operation's own validation and says so.
        var refuse = Assert.IsType<StartDecision.Refuse>(await Parse("wait", "  \n"));
        Assert.Contains("'seconds' is required", refuse.Detail);
    }

    [Fact]
    public void A_request_id_names_one_instance_per_operation()
    {
        Assert.Equal(OperationStarter.InstanceIdFor("wait", "run-1-1"), OperationStarter.InstanceIdFor("wait", "run-1-1"));
        Assert.NotEqual(OperationStarter.InstanceIdFor("wait", "run-1-1"), OperationStarter.InstanceIdFor("wait", "run-1-2"));
        Assert.NotEqual(OperationStarter.InstanceIdFor("wait", "run-1-1"), OperationStarter.InstanceIdFor("compact", "run-1-1"));
        Assert.Equal(32, OperationStarter.InstanceIdFor("wait", "x").Length);
    }

    [Fact]
    public async Task A_request_id_with_control_characters_is_refused()
    {
        var refuse = Assert.IsType<StartDecision.Refuse>(await Parser.ParseAsync("wait", new MemoryStream(Encoding.UTF8.GetBytes("{\"seconds\":1}")), new StartQuery(null, null, "run\n1")));
        Assert.Equal("invalid requestId", refuse.Error);
    }
}
