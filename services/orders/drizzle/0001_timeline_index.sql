DROP INDEX `order_history_order_idx`;--> statement-breakpoint
CREATE INDEX `order_history_order_time_idx` ON `order_history` (`order_id`,`time`,`stream`,`sequence`);