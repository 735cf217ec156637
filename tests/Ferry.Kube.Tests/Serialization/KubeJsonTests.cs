using System.Text.Json;
using Ferry.Kube.Serialization;
using k8s;
using k8s.Models;

namespace Ferry.Kube.Tests.Serialization;

/// <summary>KubernetesClient's models through <see cref="KubeJson"/> (source-generated, no reflection).</summary>
public sealed class KubeJsonTests
{
    [Fact]
    public void Deserialize_ApiServerJob_ReadsSpecTemplateAndStatus()
    {
        const string json = """
            {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"sj-a-run-1","namespace":"ns","uid":"u1","resourceVersion":"42",
              "ownerReferences":[{"apiVersion":"ferry.io/v1alpha1","kind":"SyncJob","name":"a","uid":"u0","controller":true}]},
             "spec":{"parallelism":4,"backoffLimit":3,"activeDeadlineSeconds":3600,"ttlSecondsAfterFinished":600,"suspend":false,
              "podFailurePolicy":{"rules":[{"action":"FailJob","onExitCodes":{"containerName":"runner","operator":"In","values":[2,3]}},{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget"}]}]},
              "template":{"metadata":{"labels":{"ferry.io/syncjob":"a"}},"spec":{"restartPolicy":"Never","serviceAccountName":"ferry-runner",
               "nodeSelector":{"disk":"ssd"},"tolerations":[{"key":"k","operator":"Exists","effect":"NoSchedule"}],
               "securityContext":{"runAsNonRoot":true,"fsGroup":1000},
               "containers":[{"name":"runner","image":"ferry:1","args":["run"],
                 "env":[{"name":"AWS_ACCESS_KEY_ID","valueFrom":{"secretKeyRef":{"name":"creds","key":"accessKey"}}}],
                 "envFrom":[{"secretRef":{"name":"extra"}}],
                 "resources":{"requests":{"cpu":"500m","memory":"1Gi"}},
                 "volumeMounts":[{"name":"data","mountPath":"/data","readOnly":true}],
                 "securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}],
               "volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"pvc-a"}},{"name":"kh","secret":{"secretName":"known-hosts","defaultMode":256}}]}}},
             "status":{"active":2,"succeeded":1,"failed":1,"conditions":[{"type":"Complete","status":"True","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}
            """;

        var job = JsonSerializer.Deserialize(json, KubeJson.TypeInfo<V1Job>())!;

        Assert.Equal(4, job.Spec!.Parallelism);
        Assert.Null(job.Spec.Completions);
        Assert.Equal(3600, job.Spec.ActiveDeadlineSeconds);
        Assert.Equal([2, 3], job.Spec.PodFailurePolicy!.Rules[0].OnExitCodes!.Values);
        Assert.Equal(("Ignore", "DisruptionTarget"), (job.Spec.PodFailurePolicy.Rules[1].Action, job.Spec.PodFailurePolicy.Rules[1].OnPodConditions![0].Type));
        var pod = job.Spec.Template.Spec;
        Assert.Equal("Never", pod.RestartPolicy);
        Assert.Equal("ssd", pod.NodeSelector!["disk"]);
        Assert.Equal(1000, pod.SecurityContext!.FsGroup);
        var container = Assert.Single(pod.Containers);
        Assert.Equal("creds", container.Env![0].ValueFrom!.SecretKeyRef!.Name);
        Assert.Equal("extra", container.EnvFrom![0].SecretRef!.Name);
        Assert.Equal("1Gi", container.Resources!.Requests!["memory"].ToString());
        Assert.Equal(["ALL"], container.SecurityContext!.Capabilities!.Drop!);
        Assert.Equal("pvc-a", pod.Volumes![0].PersistentVolumeClaim!.ClaimName);
        Assert.Equal(256, pod.Volumes[1].Secret!.DefaultMode);
        Assert.Equal(2, job.Status!.Active);
        Assert.Equal("Complete", job.Status.Conditions![0].Type);
        Assert.True(job.Metadata.OwnerReferences![0].Controller);
    }

    [Fact]
    public void Serialize_NewJob_OmitsUnsetFields()
    {
        var job = new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta { Name = "j" },
            Spec = new V1JobSpec { Parallelism = 2, Template = new V1PodTemplateSpec { Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "i" }] } } },
        };

        var json = JsonSerializer.Serialize(job, KubeJson.TypeInfo<V1Job>());

        Assert.Equal(
            """{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"parallelism":2,"template":{"spec":{"containers":[{"image":"i","name":"c"}]}}}}""",
            json);
    }
}
