package io.salve.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** A consumer group's lag on a topic: the sum over partitions of end offset minus committed offset. */
public final class ConsumerLag {

    private ConsumerLag() {
    }

    /** Asked without blocking; a partition the group never committed counts from offset 0. */
    public static CompletionStage<Long> of(Admin admin, String group, String topic) {
        return admin.describeTopics(List.of(topic)).allTopicNames().toCompletionStage().thenCompose(described -> {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            described.get(topic).partitions().forEach(p ->
                    latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            return admin.listOffsets(latest).all().toCompletionStage().thenCombine(
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().toCompletionStage(),
                    (ends, committed) -> {
                        long lag = 0;
                        for (var end : ends.entrySet()) {
                            OffsetAndMetadata c = committed.get(end.getKey());
                            lag += Math.max(0, end.getValue().offset() - (c == null ? 0 : c.offset()));
                        }
                        return lag;
                    });
        });
    }
}
