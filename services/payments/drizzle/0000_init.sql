CREATE TABLE `payments` (
	`order_id` text PRIMARY KEY NOT NULL,
	`user_id` text,
	`amount_cents` integer,
	`status` text NOT NULL,
	`payment_id` text,
	`reason` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `payments_user_idx` ON `payments` (`user_id`);