package main

import (
	"bufio"
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/kube"
	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/report"
	"github.com/sluice-dev/sluice/graph"
)

func undeployCommand(e *env) *cobra.Command {
	var yes, wait bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "undeploy APP [--yes] [--wait]",
		Short: "Say what happens to every topic, ask, and delete the application",
		Long: `Says, topic by topic, what deleting the application does under its
topicDeletionPolicy: under Retain every topic is released first
(strimzi.io/managed: "false": the Kafka topic and its data stay), under
Delete every topic is marked sluice.dev/deletion: allowed and deleted with
its data. Then it asks for confirmation (--yes skips the question) and
deletes the application with the default propagation, so that Sluice's
finalize hook marks the topics before the garbage collector deletes the
children. --wait waits until the application is gone.`,
		Args: args(1, "APP"),
		RunE: func(cmd *cobra.Command, a []string) error {
			c, err := e.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			live, err := c.App(ctx, c.Namespace, a[0])
			if err != nil {
				return err
			}
			topics, err := liveTopics(ctx, c, live)
			if err != nil {
				return err
			}
			policy, _, _ := unstructured.NestedString(live.Object, "spec", "topicDeletionPolicy")
			if err := report.Undeploy(e.out, live.GetNamespace(), live.GetName(), graph.TopicDeletionPolicy(policy), topics, statusOf(live)); err != nil {
				return err
			}
			if !yes {
				fmt.Fprint(e.out, report.Confirm(live.GetNamespace(), live.GetName()))
				answer, _ := bufio.NewReader(e.in).ReadString('\n')
				if !report.Confirmed(answer) {
					fmt.Fprintln(e.out)
					return no("not confirmed: nothing was deleted (--yes answers yes)")
				}
			}
			if err := c.Delete(ctx, live.GetNamespace(), live.GetName()); err != nil {
				return err
			}
			fmt.Fprintln(e.out, report.Undeployed(live.GetName()))
			if wait {
				return e.waitGone(ctx, c, live.GetNamespace(), live.GetName(), timeout)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&yes, "yes", "y", false, "delete without asking")
	f.BoolVar(&wait, "wait", false, "wait until the application is gone")
	f.DurationVar(&timeout, "timeout", 5*time.Minute, "how long --wait waits")
	return cmd
}

// liveTopics are the application's KafkaTopic children as undeploy reports them.
func liveTopics(ctx context.Context, c *kube.Client, live *unstructured.Unstructured) ([]report.KafkaTopic, error) {
	controller, err := c.Controller(ctx)
	if err != nil {
		return nil, err
	}
	observed, err := c.Children(ctx, controller, live, children.KafkaTopicKind)
	if err != nil {
		return nil, err
	}
	var topics []report.KafkaTopic
	for _, byName := range observed {
		for _, u := range byName {
			topics = append(topics, kafkaTopic(u))
		}
	}
	return topics, nil
}

// kafkaTopic is what undeploy says about one KafkaTopic.
func kafkaTopic(u *unstructured.Unstructured) report.KafkaTopic {
	name, _, _ := unstructured.NestedString(u.Object, "spec", "topicName")
	if name == "" {
		name = u.GetName()
	}
	ann := u.GetAnnotations()
	return report.KafkaTopic{Name: name, Unmanaged: ann[children.AnnotationStrimziManaged] == "false",
		DeletionAllowed: ann[children.AnnotationDeletion] == "allowed"}
}
