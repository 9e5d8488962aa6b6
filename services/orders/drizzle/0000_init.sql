CREATE TABLE `catalog` (
	`sku` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`price_cents` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `known_users` (
	`user_id` text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE TABLE `order_history` (
	`stream` text NOT NULL,
	`sequence` integer NOT NULL,
	`order_id` text NOT NULL,
	`type` text NOT NULL,
	`time` text NOT NULL,
	`detail` text,
	PRIMARY KEY(`stream`, `sequence`)
);
--> statement-breakpoint
CREATE INDEX `order_history_order_idx` ON `order_history` (`order_id`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`items` text NOT NULL,
	`total_cents` integer NOT NULL,
	`payment_method` text NOT NULL,
	`placed_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `orders_user_idx` ON `orders` (`user_id`);--> statement-breakpoint
CREATE INDEX `orders_status_placed_idx` ON `orders` (`status`,`placed_at`);