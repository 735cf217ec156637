using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Ferry.ClusterSim;

namespace Ferry.Kube.Tests.Simulator;

/// <summary>Raw HTTP against a running simulator: requests in, status code and JSON body out.</summary>
internal sealed class SimHttp(ClusterSimulator sim) : IDisposable
{
    private readonly HttpClient _client = sim.CreateHttpClient();

    public const string Widgets = "/apis/test.ferry.io/v1alpha1/namespaces/default/widgets";

    public HttpClient Client => _client;

    public async Task<(HttpStatusCode Code, JsonObject Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null,
        string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            request.Content = new StringContent(body is JsonValue v && v.TryGetValue<string>(out string? text) ? text : body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using HttpResponseMessage response = await _client.SendAsync(request);
        string content = await response.Content.ReadAsStringAsync();
        JsonObject parsed = content.Length == 0 ? new JsonObject() : JsonNode.Parse(content) as JsonObject ?? new JsonObject();
        return (response.StatusCode, parsed);
    }

    public Task<(HttpStatusCode Code, JsonObject Body)> GetAsync(string path, string? accept = null) => SendAsync(HttpMethod.Get, path, accept: accept);

    public Task<(HttpStatusCode Code, JsonObject Body)> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body);

    public Task<(HttpStatusCode Code, JsonObject Body)> PutAsync(string path, JsonNode body) => SendAsync(HttpMethod.Put, path, body);

    public Task<(HttpStatusCode Code, JsonObject Body)> MergePatchAsync(string path, JsonNode patch) =>
        SendAsync(HttpMethod.Patch, path, patch, "application/merge-patch+json");

    public Task<(HttpStatusCode Code, JsonObject Body)> DeleteAsync(string path, JsonNode? options = null) => SendAsync(HttpMethod.Delete, path, options);

    /// <summary>Creates a JSON object that must succeed; returns the stored object.</summary>
    public async Task<JsonObject> CreateAsync(string collection, JsonNode body)
    {
        (HttpStatusCode code, JsonObject? obj) = await PostAsync(collection, body);
        Assert.True(code == HttpStatusCode.Created, $"create {collection}: {(int)code} {obj.ToJsonString()}");
        return obj;
    }

    /// <summary>Starts the simulator, applies the test CRD (Widget, group test.ferry.io) and returns both.</summary>
    public static async Task<(ClusterSimulator Sim, SimHttp Http)> StartWithWidgetsAsync(SimulatorOptions? options = null)
    {
        ClusterSimulator sim = await ClusterSimulator.StartAsync(options);
        var http = new SimHttp(sim);
        JsonObject crd = TestFiles.ReadYaml(Path.Combine(TestFiles.TestData, "crds", "widgets.test.ferry.io.yaml"));
        await http.CreateAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        return (sim, http);
    }

    public static JsonObject Widget(string name, int size = 5, JsonObject? labels = null) => new()
    {
        ["apiVersion"] = "test.ferry.io/v1alpha1",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels ?? new JsonObject() },
        ["spec"] = new JsonObject { ["size"] = size, ["source"] = new JsonObject { ["s3"] = new JsonObject { ["bucket"] = "b" } } },
    };

    public void Dispose() => _client.Dispose();
}
