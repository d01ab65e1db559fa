package stream

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// EnsureTopics creates the topics that do not exist yet with the given number of
// partitions (existing topics are left as they are). It retries while the broker
// is unreachable, until ctx ends.
func EnsureTopics(ctx context.Context, brokers []string, partitions int, topics ...string) error {
	if len(brokers) == 0 {
		return errors.New("ensure topics: no brokers")
	}
	if partitions <= 0 {
		partitions = 6
	}
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	req := &kafka.CreateTopicsRequest{}
	for _, t := range topics {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: 1})
	}
	if len(req.Topics) == 0 {
		return nil
	}
	b := newBackoff(100*time.Millisecond, 5*time.Second)
	for {
		res, err := client.CreateTopics(ctx, req)
		if err == nil {
			var errs []error
			for name, terr := range res.Errors {
				if terr != nil && !errors.Is(terr, kafka.TopicAlreadyExists) {
					errs = append(errs, fmt.Errorf("%s: %w", name, terr))
				}
			}
			if err = errors.Join(errs...); err == nil {
				return nil
			}
		}
		if ctx.Err() != nil || !b.sleep(ctx) {
			return fmt.Errorf("ensure topics %v: %w", topics, err)
		}
	}
}

// PartitionLag is a consumer group's position on one partition.
type PartitionLag struct {
	Topic     string
	Partition int
	Committed int64 // next offset the group will read; -1 when nothing committed
	End       int64 // high watermark
}

// Lag returns, for every partition of topic, the group's committed offset and the
// partition's end offset. A group with nothing left to do has Committed == End
// everywhere (or End == 0 on empty partitions). Connection errors (a pooled
// connection to a broker that restarted) and transient broker errors are retried
// a few times.
func Lag(ctx context.Context, brokers []string, group, topic string) ([]PartitionLag, error) {
	b := newBackoff(50*time.Millisecond, time.Second)
	for attempt := 1; ; attempt++ {
		lag, err := lag(ctx, brokers, group, topic)
		if err == nil || permanentKafka(err) || attempt == 5 || !b.sleep(ctx) {
			return lag, err
		}
	}
}

// permanentKafka reports a protocol error that asking again will not change.
// A temporary one, and "unexpected server error" (kfake answered it once for a
// group's offsets just after the group's only member left), are worth a retry.
func permanentKafka(err error) bool {
	var kerr kafka.Error
	return errors.As(err, &kerr) && !kerr.Temporary() && kerr != kafka.Unknown
}

func lag(ctx context.Context, brokers []string, group, topic string) ([]PartitionLag, error) {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("lag of %s on %s: %w", group, topic, err)
	}
	if len(md.Topics) != 1 || md.Topics[0].Error != nil {
		if len(md.Topics) == 1 {
			err = md.Topics[0].Error
		}
		return nil, fmt.Errorf("lag of %s on %s: metadata: %w", group, topic, errors.Join(err, errors.New("topic not found")))
	}
	var parts []int
	var reqs []kafka.OffsetRequest
	for _, p := range md.Topics[0].Partitions {
		parts = append(parts, p.ID)
		reqs = append(reqs, kafka.LastOffsetOf(p.ID))
	}
	lo, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, fmt.Errorf("lag of %s on %s: list offsets: %w", group, topic, err)
	}
	ends := map[int]int64{}
	for _, po := range lo.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("lag of %s on %s[%d]: %w", group, topic, po.Partition, po.Error)
		}
		ends[po.Partition] = po.LastOffset
	}
	of, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err == nil {
		err = of.Error
	}
	if errors.Is(err, kafka.GroupIdNotFound) {
		of, err = &kafka.OffsetFetchResponse{}, nil // a group that never committed
	}
	if err != nil {
		return nil, fmt.Errorf("lag of %s on %s: offset fetch: %w", group, topic, err)
	}
	committed := map[int]int64{}
	for _, p := range of.Topics[topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("lag of %s on %s[%d]: %w", group, topic, p.Partition, p.Error)
		}
		committed[p.Partition] = p.CommittedOffset
	}
	out := make([]PartitionLag, 0, len(parts))
	for _, p := range parts {
		c, ok := committed[p]
		if !ok {
			c = -1
		}
		out = append(out, PartitionLag{Topic: topic, Partition: p, Committed: c, End: ends[p]})
	}
	return out, nil
}
