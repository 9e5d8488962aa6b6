CREATE TABLE `notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`channel` text NOT NULL,
	`template` text NOT NULL,
	`order_id` text,
	`recipient` text NOT NULL,
	`recorded_at` text NOT NULL,
	`delivered_at` text,
	`sender` text
);
--> statement-breakpoint
CREATE INDEX `notifications_user_idx` ON `notifications` (`user_id`,`recorded_at`);--> statement-breakpoint
CREATE TABLE `recipients` (
	`user_id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL
);
